"""Personal data (RGPD): the record of each purge (``use_cases/privacy/purge.py``, migration 0014f).

A purge replaces a debtor's personal data with a tombstone (``debtors.purged_at``, ``cases.purged_at``, a
placeholder name) and keeps here which cases went, why each was purgeable, and which stored documents (letters,
evidence, invoice copies, dossiers) remain under Object Lock and until when (``retained_until``: the latest).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import ID, Base
from notice_service.db.types import UTCDateTime


class PrivacyPurge(Base):
    __tablename__ = "privacy_purges"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    debtor_id: Mapped[str] = mapped_column(ForeignKey("debtors.id"), index=True)
    case_ids: Mapped[list[Any]] = mapped_column(JSON)
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    retained: Mapped[list[Any]] = mapped_column(JSON)
    retained_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    purged_by: Mapped[str] = mapped_column(String(200))
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime())
