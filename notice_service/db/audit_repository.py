"""Appending to and reading a tenant's audit log inside the caller's transaction.

Appends lock the tenant's ``audit_heads`` row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite transactions
start with ``BEGIN IMMEDIATE``), so concurrent writers are serialised and the log never forks or skips an
index. The record bytes are sealed by ``notice_service.domain.audit_log``; the head row also keeps the Merkle
tree's compact range, so the root after any append is known in O(log n) without re-reading the leaves.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db.models import AuditHead, AuditRecord, OutboxMessage
from notice_service.domain.audit_log import GENESIS_PREV, RecordDraft, SealedRecord, seal_record
from notice_service.domain.merkle import HASH_SIZE, CompactRange


def create_log(session: Session, tenant_id: str, origin: str) -> None:
    session.add(AuditHead(tenant_id=tenant_id, origin=origin, size=0, last_leaf_hash=GENESIS_PREV))
    session.flush()


def append(session: Session, tenant_id: str, drafts: Sequence[RecordDraft], now: datetime) -> list[SealedRecord]:
    """Seal and insert ``drafts`` at the end of the tenant's log; queue their WORM mirroring."""
    head = session.execute(select(AuditHead).where(AuditHead.tenant_id == tenant_id).with_for_update()).scalar_one()
    compact = compact_range(session, head)
    sealed: list[SealedRecord] = []
    for draft in drafts:
        record = seal_record(draft, log=head.origin, index=head.size, prev=head.last_leaf_hash, time=now)
        session.add(
            AuditRecord(
                tenant_id=tenant_id,
                index=record.index,
                leaf_hash=record.leaf_hash,
                canonical=record.canonical,
                action=draft.action,
                subject_type=draft.subject_type,
                subject_id=draft.subject_id,
                recorded_at=now,
            )
        )
        head.size += 1
        head.last_leaf_hash = record.leaf_hash
        compact = compact.append(bytes.fromhex(record.leaf_hash))
        sealed.append(record)
    head.compact_range = b"".join(compact.border)
    if sealed:
        session.add(
            OutboxMessage(
                tenant_id=tenant_id,
                topic="audit.mirror",
                payload={"from": sealed[0].index, "to": sealed[-1].index},
                created_at=now,
                available_at=now,
                attempts=0,
            )
        )
    session.flush()
    return sealed


def compact_range(session: Session, head: AuditHead) -> CompactRange:
    """The head's Merkle right border; logs created before it was kept get it rebuilt once from the leaves."""
    if head.compact_range is not None:
        raw = head.compact_range
        return CompactRange(head.size, tuple(raw[i : i + HASH_SIZE] for i in range(0, len(raw), HASH_SIZE)))
    leaves = session.execute(
        select(AuditRecord.leaf_hash).where(AuditRecord.tenant_id == head.tenant_id).order_by(AuditRecord.index)
    ).scalars()
    return CompactRange.from_leaves([bytes.fromhex(leaf) for leaf in leaves])


def iter_records(session: Session, tenant_id: str, batch: int = 5000) -> Iterator[bytes]:
    """Every record's canonical bytes in index order, read in batches."""
    start = 0
    while True:
        rows = session.execute(
            select(AuditRecord.canonical)
            .where(AuditRecord.tenant_id == tenant_id, AuditRecord.index >= start)
            .order_by(AuditRecord.index)
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
