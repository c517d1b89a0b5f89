"""The WORM mirror of the audit log and the worker's checkpoint steps (outbox topics ``audit.*``).

``mirror_segment`` writes the records of one append (``from``..``to``) as one canonical JSONL segment under
a write-once key named after its first index (see ``domain.audit_evidence``); a retried message writes the
same bytes again, which the store accepts as a no-op. After mirroring, the cadence is checked, so a busy
log gets checkpoints as it grows; ``audit.checkpoint`` checkpoints on demand (``force``) or when due.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from notice_service.db.models import AuditRecord, OutboxMessage
from notice_service.domain.audit_evidence import encode_segment, segment_key
from notice_service.services import Services
from notice_service.use_cases.audit_checkpoint import checkpoint_if_due, checkpoint_log

TOPIC_CHECKPOINT = "audit.checkpoint"


def mirror_segment(services: Services, tenant_id: str, first: int, last: int) -> str:
    """Write records ``first``..``last`` as one segment; answers its key."""
    with services.db.reading() as session:
        records = list(
            session.execute(
                select(AuditRecord.canonical)
                .where(AuditRecord.tenant_id == tenant_id, AuditRecord.index >= first, AuditRecord.index <= last)
                .order_by(AuditRecord.index)
            ).scalars()
        )
    if len(records) != last - first + 1:
        raise LookupError(f"records {first}..{last} of tenant {tenant_id} are not all in the database")
    key = segment_key(tenant_id, first)
    services.store.put(encode_segment(records), content_type="application/jsonl", document_class="audit", key=key)
    return key


def handle_mirror(services: Services, tenant_id: str, payload: Mapping[str, Any]) -> None:
    mirror_segment(services, tenant_id, int(payload["from"]), int(payload["to"]))
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
        session.add(
            OutboxMessage(
                tenant_id=tenant_id,
                topic=TOPIC_CHECKPOINT,
                payload={"force": True},
                created_at=now,
                available_at=now,
                attempts=0,
            )
        )
