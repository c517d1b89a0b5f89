"""The WORM mirror of the audit log and the worker's checkpoint steps (outbox topics ``audit.*``).

``mirror_pending`` writes every committed record not yet in the store as one canonical JSONL segment (at most
``SEGMENT_RECORDS`` records each) under a write-once key named after its first index, then raises the log's
mirror frontier (``audit_mirrors``) and marks the ``audit.mirror`` messages it covered as done, so a burst of
appends costs one segment and one handler run, not one per append. Committed records always form a prefix
of the log (appends are serialised on the head row), so "everything from the frontier" has no gap. A segment
already at the frontier (a run that crashed after writing it, or another worker) is followed, after checking
that its bytes are the database's. After mirroring, the cadence is checked, so a busy log gets checkpoints as
it grows; ``audit.checkpoint`` checkpoints on demand (``force``) or when due.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select, update

from notice_service.db import audit_repository
from notice_service.db.models.audit import AuditMirror
from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.outbox import OutboxMessage
from notice_service.db.outbox import queue_event
from notice_service.domain.audit.evidence import decode_segment, encode_segment, segment_key
from notice_service.errors import DocumentConflict, DocumentNotFound
from notice_service.services import Services
from notice_service.use_cases.audit.checkpoint import checkpoint_if_due, checkpoint_log

TOPIC_CHECKPOINT = "audit.checkpoint"
SEGMENT_RECORDS = 10_000


def mirror_frontier(services: Services, tenant_id: str) -> int:
    """How many records of the log the mirror has written to the store."""
    with services.db.reading() as session:
        size = session.execute(select(AuditMirror.size).where(AuditMirror.tenant_id == tenant_id)).scalar()
    return size or 0


def _pending_records(services: Services, tenant_id: str, start: int) -> list[bytes]:
    with services.db.reading() as session:
        rows = session.execute(
            select(AuditRecord.canonical)
            .where(AuditRecord.tenant_id == tenant_id, AuditRecord.index >= start)
            .order_by(AuditRecord.index)
            .limit(SEGMENT_RECORDS)
        ).scalars()
        return list(rows)


def _stored_segment(services: Services, tenant_id: str, start: int, records: Sequence[bytes]) -> int:
    """Length of the segment already stored at ``start`` (0 if none), after checking it holds our records."""
    try:
        stored = decode_segment(services.store.get(segment_key(tenant_id, start)))
    except DocumentNotFound:
        return 0
    except ValueError as exc:
        raise DocumentConflict(f"segment {segment_key(tenant_id, start)} is malformed: {exc}") from exc
    if list(records[: len(stored)]) != stored:
        raise DocumentConflict(f"segment {segment_key(tenant_id, start)} differs from the database's records")
    return len(stored)


def mirror_pending(services: Services, tenant_id: str, start: int | None = None) -> int:
    """Mirror every committed record beyond the frontier (``start``: the frontier, when just read); answers the
    new frontier."""
    start = mirror_frontier(services, tenant_id) if start is None else start
    while records := _pending_records(services, tenant_id, start):
        stored = _stored_segment(services, tenant_id, start, records)
        if stored == 0:
            key = segment_key(tenant_id, start)
            services.store.put(
                encode_segment(records), content_type="application/jsonl", document_class="audit", key=key
            )
            stored = len(records)
        start += stored
        _advance(services, tenant_id, start)
    return start


def _advance(services: Services, tenant_id: str, frontier: int) -> None:
    """Raise the frontier and mark done the mirror messages whose records it now covers."""
    now = services.clock.now()
    with services.db.transaction() as session:
        session.execute(
            update(AuditMirror)
            .where(AuditMirror.tenant_id == tenant_id, AuditMirror.size < frontier)
            .values(size=frontier)
        )
        pending = session.execute(
            select(OutboxMessage.id, OutboxMessage.payload).where(
                OutboxMessage.tenant_id == tenant_id,
                OutboxMessage.topic == audit_repository.TOPIC_MIRROR,
                OutboxMessage.done_at.is_(None),
            )
        ).all()
        covered = [row.id for row in pending if int(row.payload.get("to", frontier)) < frontier]
        if covered:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(covered))
                .values(done_at=now, locked_until=None, last_error=None)
            )


def handle_mirror(services: Services, tenant_id: str, payload: Mapping[str, Any]) -> None:
    """Mirror what is pending, then checkpoint when due; a message whose records (``to``) an earlier segment
    already covered costs one read: the run that wrote that segment marked it done and checked the cadence,
    but a worker's batch may have claimed it before (a run's letters each queue one)."""
    start = mirror_frontier(services, tenant_id)
    if int(payload.get("to", start)) < start:
        return
    mirror_pending(services, tenant_id, start)
    if services.checkpoint_signer is not None:
        checkpoint_if_due(services, tenant_id)


def handle_checkpoint(services: Services, tenant_id: str, payload: Mapping[str, Any]) -> None:
    if payload.get("force"):
        checkpoint_log(services, tenant_id)
    else:
        checkpoint_if_due(services, tenant_id)


def request_checkpoint(services: Services, tenant_id: str) -> None:
    """Queue an on-demand checkpoint for the worker."""
    now = services.clock.now()
    with services.db.transaction() as session:
        queue_event(session, tenant_id=tenant_id, topic=TOPIC_CHECKPOINT, payload={"force": True}, at=now)
