"""Signing, time-stamping, storing and anchoring a checkpoint of a tenant's audit log.

Slow I/O first, one short transaction last (invariant 3): read the head's size and root (the compact range
kept by appends), sign the C2SP note, obtain an RFC 3161 token over its exact bytes (verified at once by the
time-stamper, nonce included), write note, token and TSA certificates WORM, then, under the head lock,
record the checkpoint row and append the anchor record carrying the note's and the token's SHA-256.

A checkpoint key unknown to the log is first activated by an ``audit:key-activated`` record, so every key
change (rotation) is itself in the log. ``checkpoint_if_due`` applies the cadence: a checkpoint once
``checkpoint_every_records`` records (anchors excluded) or ``checkpoint_every_seconds`` since the oldest
record not yet covered; the worker's ``IdleLogCheckpointer`` applies the second to logs that receive nothing
more, and ``checkpoint_on_demand`` serves ``POST /v1/audit/checkpoints``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.audit import AuditCheckpoint, AuditLogKey
from notice_service.db.models.audit_log import AuditHead, AuditRecord
from notice_service.domain.audit.checkpoint import format_checkpoint_body, key_fingerprint, verifier_key_string
from notice_service.domain.audit.evidence import (
    AnchorFacts,
    anchor_record,
    certificates_pem,
    checkpoint_key,
    key_activation_record,
    sha256_hex,
    time_stamp_response,
)
from notice_service.errors import ConfigurationError, Conflict, NoticeError
from notice_service.faults import crash_point
from notice_service.ports import CheckpointSigner, TimeStampToken
from notice_service.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckpointOutcome:
    size: int
    root: str
    anchor_index: int
    time_stamped: bool
    created: bool


def _outcome(row: AuditCheckpoint) -> CheckpointOutcome:
    return CheckpointOutcome(row.size, row.root, row.anchor_index, row.token is not None, created=False)


def _signer(services: Services) -> CheckpointSigner:
    if services.checkpoint_signer is None:
        raise ConfigurationError("No checkpoint key is configured (NOTICE_CHECKPOINT_KEY).")
    return services.checkpoint_signer


def _lock_head(session: Session, tenant_id: str) -> AuditHead:
    return session.execute(select(AuditHead).where(AuditHead.tenant_id == tenant_id).with_for_update()).scalar_one()


def ensure_key_activated(services: Services, tenant_id: str) -> str:
    """Log the activation of the service's checkpoint key in this tenant's log if it is new there."""
    signer = _signer(services)
    fingerprint = key_fingerprint(signer.public_key())
    with services.db.transaction() as session:
        _lock_head(session, tenant_id)
        keys = session.execute(select(AuditLogKey).where(AuditLogKey.tenant_id == tenant_id)).scalars().all()
        if any(key.fingerprint == fingerprint for key in keys):
            return fingerprint
        latest = max(keys, key=lambda key: key.valid_from_index, default=None)
        vkey = verifier_key_string(signer.key_name, signer.public_key())
        record = key_activation_record(signer.key_name, vkey, fingerprint, latest.fingerprint if latest else None)
        now = services.clock.now()
        sealed = audit_repository.append_now(session, tenant_id, [record], now)
        session.add(
            AuditLogKey(
                tenant_id=tenant_id,
                fingerprint=fingerprint,
                key_name=signer.key_name,
                vkey=vkey,
                valid_from_index=sealed[0].index,
                created_at=now,
            )
        )
    return fingerprint


def latest_checkpoint_row(session: Session, tenant_id: str) -> AuditCheckpoint | None:
    return session.execute(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.tenant_id == tenant_id)
        .order_by(AuditCheckpoint.size.desc())
        .limit(1)
    ).scalar_one_or_none()


def is_due(services: Services, tenant_id: str) -> bool:
    """The cadence: enough records, or the oldest record not yet covered has waited long enough."""
    settings = services.settings
    with services.db.reading() as session:
        head = audit_repository.head_of(session, tenant_id)
        latest = latest_checkpoint_row(session, tenant_id)
        first_uncovered = latest.anchor_index + 1 if latest else 0
        if head.size <= first_uncovered:
            return False
        if head.size - first_uncovered >= settings.checkpoint_every_records:
            return True
        oldest = session.execute(
            select(func.min(AuditRecord.recorded_at)).where(
                AuditRecord.tenant_id == tenant_id, AuditRecord.index == first_uncovered
            )
        ).scalar_one()
    return oldest is not None and services.clock.now() - oldest >= timedelta(seconds=settings.checkpoint_every_seconds)


def checkpoint_if_due(services: Services, tenant_id: str) -> CheckpointOutcome | None:
    return checkpoint_log(services, tenant_id) if is_due(services, tenant_id) else None


def idle_logs(services: Services) -> list[str]:
    """Tenants whose oldest record not covered by a checkpoint is older than ``checkpoint_every_seconds``."""
    cutoff = services.clock.now() - timedelta(seconds=services.settings.checkpoint_every_seconds)
    latest = (
        select(AuditCheckpoint.tenant_id, func.max(AuditCheckpoint.anchor_index).label("anchor"))
        .group_by(AuditCheckpoint.tenant_id)
        .subquery()
    )
    first_uncovered = func.coalesce(latest.c.anchor + 1, 0)
    statement = (
        select(AuditHead.tenant_id)
        .outerjoin(latest, latest.c.tenant_id == AuditHead.tenant_id)
        .join(AuditRecord, (AuditRecord.tenant_id == AuditHead.tenant_id) & (AuditRecord.index == first_uncovered))
        .where(AuditRecord.recorded_at <= cutoff)
        .order_by(AuditHead.tenant_id)
    )
    with services.db.reading() as session:
        return list(session.execute(statement).scalars())


class IdleLogCheckpointer:
    """The worker's time cadence: an idle log with unsigned records is checkpointed even if nothing else runs.

    ``run_if_due`` scans at most every ``min(60 s, checkpoint_every_seconds)`` (monotonic time), checkpoints
    each idle log, and answers how many it checkpointed; one log's failure (a TSA down) is logged and the
    others still get theirs.
    """

    def __init__(self, services: Services) -> None:
        self.services = services
        self.interval = min(60.0, float(services.settings.checkpoint_every_seconds))
        self.next_scan = 0.0

    def run_if_due(self) -> int:
        if self.services.checkpoint_signer is None or time.monotonic() < self.next_scan:
            return 0
        self.next_scan = time.monotonic() + self.interval
        done = 0
        for tenant_id in idle_logs(self.services):
            try:
                done += checkpoint_log(self.services, tenant_id).created
            except NoticeError as exc:
                log.warning("time-cadence checkpoint of tenant %s failed: %s", tenant_id, exc)
        return done


def checkpoint_on_demand(services: Services, tenant_id: str) -> AuditCheckpoint:
    """``POST /v1/audit/checkpoints``: sign (and time-stamp) now; ``Conflict`` when there is nothing new to sign."""
    _signer(services)
    with services.db.reading() as session:
        size = audit_repository.head_of(session, tenant_id).size
        latest = latest_checkpoint_row(session, tenant_id)
    if latest is not None and size <= latest.anchor_index + 1:
        raise Conflict(
            f"Nothing new to sign: checkpoint {latest.size} covers every record of this log but its own anchor "
            f"(record {latest.anchor_index})."
        )
    outcome = checkpoint_log(services, tenant_id)
    with services.db.reading() as session:
        return session.get_one(AuditCheckpoint, (tenant_id, outcome.size))


def _store_evidence(services: Services, tenant_id: str, size: int, note: bytes, token: TimeStampToken | None) -> None:
    store = services.store
    store.put(note, content_type="text/plain", document_class="audit", key=checkpoint_key(tenant_id, size, "note"))
    if token is not None:
        store.put(
            time_stamp_response(token.token_der),
            content_type="application/timestamp-reply",
            document_class="audit",
            key=checkpoint_key(tenant_id, size, "tsr"),
        )
        store.put(
            certificates_pem(token.certificates_der),
            content_type="application/pem-certificate-chain",
            document_class="audit",
            key=checkpoint_key(tenant_id, size, "chain.pem"),
        )


def checkpoint_log(services: Services, tenant_id: str) -> CheckpointOutcome:
    """Checkpoint the log at its current size (nothing new when the latest checkpoint already covers it)."""
    signer = _signer(services)
    fingerprint = ensure_key_activated(services, tenant_id)
    with services.db.reading() as session:
        head = audit_repository.head_of(session, tenant_id)
        size, origin = head.size, head.origin
        root = audit_repository.compact_range(session, head).root()
        existing = session.get(AuditCheckpoint, (tenant_id, size))
    if existing is not None:
        return _outcome(existing)
    note = signer.sign_note(format_checkpoint_body(origin, size, root))
    crash_point("after-checkpoint-sign")
    token = services.time_stamper.timestamp(note) if services.time_stamper is not None else None
    _store_evidence(services, tenant_id, size, note, token)
    crash_point("after-checkpoint-store")
    tsr = time_stamp_response(token.token_der) if token is not None else None
    facts = AnchorFacts(
        size=size,
        root=root,
        note_sha256=sha256_hex(note),
        key_fingerprint=fingerprint,
        token_sha256=sha256_hex(tsr) if tsr is not None else None,
        gen_time=token.gen_time.isoformat() if token is not None else None,
        tsa_url=token.tsa_url if token is not None else None,
    )
    return _record_checkpoint(services, tenant_id, facts, note, tsr, token)


def _record_checkpoint(
    services: Services,
    tenant_id: str,
    facts: AnchorFacts,
    note: bytes,
    tsr: bytes | None,
    token: TimeStampToken | None,
) -> CheckpointOutcome:
    now = services.clock.now()
    with services.db.transaction() as session:
        _lock_head(session, tenant_id)
        existing = session.get(AuditCheckpoint, (tenant_id, facts.size))
        if existing is not None:
            if existing.root != facts.root.hex():
                raise Conflict(f"checkpoint-fork: a checkpoint of size {facts.size} with another root exists")
            return CheckpointOutcome(
                facts.size, existing.root, existing.anchor_index, existing.token is not None, False
            )
        sealed = audit_repository.append_now(session, tenant_id, [anchor_record(facts)], now)
        session.add(
            AuditCheckpoint(
                tenant_id=tenant_id,
                size=facts.size,
                root=facts.root.hex(),
                note=note,
                note_key=checkpoint_key(tenant_id, facts.size, "note"),
                key_name=_signer(services).key_name,
                key_fingerprint=facts.key_fingerprint,
                token=tsr,
                token_key=checkpoint_key(tenant_id, facts.size, "tsr") if tsr is not None else None,
                token_sha256=facts.token_sha256,
                chain_key=checkpoint_key(tenant_id, facts.size, "chain.pem") if tsr is not None else None,
                tsa_url=facts.tsa_url,
                gen_time=token.gen_time if token is not None else None,
                anchor_index=sealed[0].index,
                created_at=now,
            )
        )
    return CheckpointOutcome(facts.size, facts.root.hex(), sealed[0].index, tsr is not None, True)
