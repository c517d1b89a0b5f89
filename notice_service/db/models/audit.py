"""The audit ledger's own tables: checkpoints, checkpoint keys, mirror frontier, subtree cache.

Declared on the shared ``Base`` so Alembic and ``create_all`` see them with the rest of the schema; the
records and the head row stay in ``notice_service.db.models.core``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import STORE_KEY, Base
from notice_service.db.types import UTCDateTime


class AuditCheckpoint(Base):
    """One signed checkpoint of a tenant's log, its RFC 3161 token (if any) and where both are stored WORM.

    The primary key (tenant, size) makes a second, different root for one size impossible to record.
    """

    __tablename__ = "audit_checkpoints"
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    root: Mapped[str] = mapped_column(String(64))
    note: Mapped[bytes] = mapped_column(LargeBinary)
    note_key: Mapped[str] = mapped_column(String(300), info={STORE_KEY: True})
    key_name: Mapped[str] = mapped_column(String(200))
    key_fingerprint: Mapped[str] = mapped_column(String(64))
    token: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    token_key: Mapped[str | None] = mapped_column(String(300), nullable=True, info={STORE_KEY: True})
    token_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    chain_key: Mapped[str | None] = mapped_column(String(300), nullable=True, info={STORE_KEY: True})
    tsa_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    gen_time: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    anchor_index: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditLogKey(Base):
    """A checkpoint key a tenant's log accepts from ``valid_from_index`` on; its activation is a record."""

    __tablename__ = "audit_log_keys"
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_name: Mapped[str] = mapped_column(String(200))
    vkey: Mapped[str] = mapped_column(String(400))
    valid_from_index: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditMirror(Base):
    """How many records of a tenant's log are in the WORM store: the mirror's frontier, only ever raised.

    A separate row from ``audit_heads`` so the worker never waits for, or holds up, the appenders' lock.
    """

    __tablename__ = "audit_mirrors"
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)


class AuditSubtree(Base):
    """The hash of a complete subtree of 2^level leaves (level a multiple of ``db.audit_subtrees.CACHE_BITS``).

    Derived data, computed on first use by the proof endpoints; a complete subtree never changes.
    """

    __tablename__ = "audit_subtrees"
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary)
