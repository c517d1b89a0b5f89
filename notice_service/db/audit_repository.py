"""Appending to and reading a tenant's audit log inside the caller's transaction.

Appends lock the tenant's ``audit_heads`` row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite transactions
start with ``BEGIN IMMEDIATE``), so concurrent writers are serialised and the log never forks or skips an
index. The lock is held until the caller commits, so the work done under it is kept to the minimum: the
drafts are checked and canonicalised first (``domain.audit_log.prepare_record``); then, with plain SQLAlchemy
Core statements and no ORM objects, one locking read of the head, one (multi-row) ``INSERT`` of the records,
one ``UPDATE`` of the head, and one ``audit.mirror`` outbox row for the first append of a transaction. The head
row also keeps the Merkle tree's compact range, so the root after any append is known in O(log n).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Executable, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from notice_service.db.models import AuditHead, AuditRecord, OutboxMessage
from notice_service.db.models_audit import AuditMirror
from notice_service.domain.audit_log import GENESIS_PREV, RecordDraft, SealedRecord, log_member, prepare_record
from notice_service.domain.merkle import HASH_SIZE, CompactRange

TOPIC_MIRROR = "audit.mirror"
_HEADS = cast(Table, AuditHead.__table__)
_RECORDS = cast(Table, AuditRecord.__table__)
_OUTBOX = cast(Table, OutboxMessage.__table__)
_MIRRORS = cast(Table, AuditMirror.__table__)
_LOCK_HEAD = select(_HEADS.c.origin, _HEADS.c.size, _HEADS.c.last_leaf_hash, _HEADS.c.compact_range).with_for_update()


def create_log(session: Session, tenant_id: str, origin: str) -> None:
    session.add(AuditHead(tenant_id=tenant_id, origin=origin, size=0, last_leaf_hash=GENESIS_PREV))
    session.flush()
    session.execute(insert(_MIRRORS).values(tenant_id=tenant_id, size=0))


def append(session: Session, tenant_id: str, drafts: Sequence[RecordDraft], now: datetime) -> list[SealedRecord]:
    """Seal and insert ``drafts`` at the end of the tenant's log; queue their WORM mirroring."""
    prepared = [prepare_record(draft, now) for draft in drafts]
    if not prepared:
        return []
    session.flush()  # the caller's pending rows are written before the head is locked, not under the lock
    origin, size, prev, raw_border = session.execute(_LOCK_HEAD.where(_HEADS.c.tenant_id == tenant_id)).one()
    compact = _compact(session, tenant_id, size, raw_border)
    log_json = log_member(origin)
    sealed: list[SealedRecord] = []
    for offset, record in enumerate(prepared):
        sealed.append(record.seal(log_json, size + offset, prev))
        prev = sealed[-1].leaf_hash
        compact = compact.append(bytes.fromhex(prev))
    rows = [_record_row(tenant_id, record, draft, now) for record, draft in zip(sealed, drafts, strict=True)]
    head = {
        "head_tenant": tenant_id,
        "head_size": compact.size,
        "head_last": prev,
        "head_border": b"".join(compact.border),
    }
    _write(session, rows, head, _mirror_message(session, tenant_id, sealed[0].index, sealed[-1].index, now))
    return sealed


def _record_row(tenant_id: str, record: SealedRecord, draft: RecordDraft, now: datetime) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "index": record.index,
        "leaf_hash": record.leaf_hash,
        "canonical": record.canonical,
        "action": draft.action,
        "subject_type": draft.subject_type,
        "subject_id": draft.subject_id,
        "recorded_at": now,
    }


def _mirror_message(session: Session, tenant_id: str, first: int, last: int, now: datetime) -> dict[str, Any] | None:
    """One ``audit.mirror`` message per transaction and tenant: the worker mirrors up to the committed head."""
    queued = session.info.setdefault("audit.mirror-queued", {})
    transaction = session.get_transaction()
    if queued.get(tenant_id) is transaction:
        return None
    queued[tenant_id] = transaction
    return {
        "tenant_id": tenant_id,
        "topic": TOPIC_MIRROR,
        "payload": {"from": first, "to": last},
        "created_at": now,
        "available_at": now,
        "attempts": 0,
    }


_RECORD_COLUMNS = (
    "tenant_id",
    "index",
    "leaf_hash",
    "canonical",
    "action",
    "subject_type",
    "subject_id",
    "recorded_at",
)
_MESSAGE_COLUMNS = ("tenant_id", "topic", "payload", "created_at", "available_at", "attempts")
_MOVE_HEAD = (
    update(_HEADS)
    .where(_HEADS.c.tenant_id == bindparam("head_tenant"))
    .values(size=bindparam("head_size"), last_leaf_hash=bindparam("head_last"), compact_range=bindparam("head_border"))
)


@cache
def _one_statement(records: int, message: bool) -> Executable:
    """PostgreSQL: records, head and outbox row in one statement (data-modifying CTEs), built once per shape
    with named parameters so SQLAlchemy compiles it once and each append only binds values."""
    statement = _MOVE_HEAD
    for i in range(records):  # one single-row INSERT per record: multi-row VALUES would not be cacheable
        row = insert(_RECORDS).values({column: bindparam(f"r{i}_{column}") for column in _RECORD_COLUMNS})
        statement = statement.add_cte(row.cte(f"appended{i}"))
    if message:
        queued = insert(_OUTBOX).values({column: bindparam(f"m_{column}") for column in _MESSAGE_COLUMNS})
        statement = statement.add_cte(queued.cte("queued"))
    return statement


def _write(session: Session, rows: list[dict[str, Any]], head: dict[str, Any], message: dict[str, Any] | None) -> None:
    """Records, head and outbox row; on PostgreSQL in one round trip."""
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(_RECORDS), rows)
        session.execute(_MOVE_HEAD, head)
        if message is not None:
            session.execute(insert(_OUTBOX), message)
        return
    params = dict(head)
    for i, row in enumerate(rows):
        params.update({f"r{i}_{column}": value for column, value in row.items()})
    if message is not None:
        params.update({f"m_{column}": value for column, value in message.items()})
    session.execute(_one_statement(len(rows), message is not None), params)


def _compact(session: Session, tenant_id: str, size: int, raw: bytes | None) -> CompactRange:
    if raw is not None:
        return CompactRange(size, tuple(raw[i : i + HASH_SIZE] for i in range(0, len(raw), HASH_SIZE)))
    leaves = session.execute(
        select(_RECORDS.c.leaf_hash).where(_RECORDS.c.tenant_id == tenant_id).order_by(_RECORDS.c.index)
    ).scalars()
    return CompactRange.from_leaves([bytes.fromhex(leaf) for leaf in leaves])


def compact_range(session: Session, head: AuditHead) -> CompactRange:
    """The head's Merkle right border; logs created before it was kept get it rebuilt once from the leaves."""
    return _compact(session, head.tenant_id, head.size, head.compact_range)


def iter_records(session: Session, tenant_id: str, batch: int = 5000, start: int = 0) -> Iterator[bytes]:
    """Every record's canonical bytes from ``start`` on, in index order, read in batches."""
    while True:
        rows = session.execute(
            select(_RECORDS.c.canonical)
            .where(_RECORDS.c.tenant_id == tenant_id, _RECORDS.c.index >= start)
            .order_by(_RECORDS.c.index)
            .limit(batch)
        ).scalars()
        chunk = list(rows)
        yield from chunk
        if len(chunk) < batch:
            return
        start += batch


def records_for_subject(session: Session, tenant_id: str, subject_type: str, subject_id: str) -> list[bytes]:
    return list(
        session.execute(
            select(AuditRecord.canonical)
            .where(
                AuditRecord.tenant_id == tenant_id,
                AuditRecord.subject_type == subject_type,
                AuditRecord.subject_id == subject_id,
            )
            .order_by(AuditRecord.index)
        ).scalars()
    )


def head_of(session: Session, tenant_id: str) -> AuditHead:
    return session.execute(select(AuditHead).where(AuditHead.tenant_id == tenant_id)).scalar_one()
