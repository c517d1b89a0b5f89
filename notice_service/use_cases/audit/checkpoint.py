"""Signing, time-stamping, storing and anchoring a checkpoint of a tenant's audit log.

Slow I/O first, one short transaction last (invariant 3): read the head's size and root (the compact range
kept by appends), sign the C2SP note, obtain an RFC 3161 token over its exact bytes (verified at once by the
time-stamper, nonce included), write note, token and TSA certificates WORM, then, under the head lock,
record the checkpoint row and append the anchor record carrying the note's and the token's SHA-256.

A restart after an attempt killed between storing its evidence and committing (``after-checkpoint-store``,
``before-commit#2``) finds that evidence under the size's write-once keys. The note it signs again is the same
bytes (Ed25519 is deterministic) and adopts the stored one; the token is **not** asked for again (another TSA call
gives another token, which the ``.tsr`` key would refuse): the stored ``.tsr`` is read back, verified over the
note against the TSA roots, and recorded, with its genTime and the certificates it carries (the same
``.chain.pem``). A stored note or token that is not this checkpoint's raises ``DocumentConflict`` naming the key
before any TSA call, and a different ``.chain.pem`` is refused by the store: nothing is ever overwritten. The
reused token's TSA URL is not in the token: the anchor names the configured ``NOTICE_TSA_URL`` (exact with one
TSA; with several, the comma-separated list of those that may have issued it).

A checkpoint key unknown to the log is first activated by an ``audit:key-activated`` record, so every key
change (rotation) is itself in the log. ``checkpoint_if_due`` applies the cadence: a checkpoint once
``checkpoint_every_records`` records (anchors excluded) or ``checkpoint_every_seconds`` since the oldest
record not yet covered; the worker's ``IdleLogCheckpointer`` applies the second to logs that receive nothing
more, and ``checkpoint_on_demand`` serves ``POST /v1/audit/checkpoints``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import tsp
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
from notice_service.errors import ConfigurationError, Conflict, DocumentConflict, DocumentNotFound, NoticeError
from notice_service.faults import crash_point
from notice_service.ports import CheckpointSigner
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


@dataclass(frozen=True)
class _Stamp:
    """The time-stamp a checkpoint records: a fresh token, or the one a killed attempt stored (reused)."""

    tsr: bytes
    gen_time: datetime
    tsa_url: str
    certificates_der: Sequence[bytes]


def _stored(services: Services, key: str) -> bytes | None:
    try:
        return services.store.get(key)
    except DocumentNotFound:
        return None


def _refuse_another_note(services: Services, tenant_id: str, size: int, note: bytes) -> None:
    """A note stored by a killed attempt must be this one (Ed25519 is deterministic): the same key, log and root."""
    key = checkpoint_key(tenant_id, size, "note")
    stored = _stored(services, key)
    if stored is not None and stored != note:
        raise DocumentConflict(
            f"checkpoint {size}: the note stored under {key!r} is not the note signed now (another checkpoint key, "
            "or another root for this size); write-once evidence is never replaced"
        )


def _token_certificates(tsr: bytes) -> tuple[bytes, ...]:
    """The certificates that came inside a ``TimeStampResp``'s token (what the TSA answered with it)."""
    certificates = tsp.TimeStampResp.load(tsr)["time_stamp_token"]["content"]["certificates"]
    return tuple(choice.chosen.dump() for choice in certificates) if certificates else ()


def _reused_stamp(services: Services, key: str, note: bytes, tsr: bytes) -> _Stamp:
    """The token a killed attempt stored under ``key``, checked to time-stamp exactly ``note``.

    Its TSA URL is not in the token: the one configured URL (with several, ``NOTICE_TSA_URL`` as configured,
    comma-separated: the TSAs that may have issued it; the verifier does not check this field)."""
    if services.token_verifier is None:
        raise ConfigurationError(
            f"{key!r} holds a time-stamp of this checkpoint but no TSA trust roots are configured to check it "
            "(NOTICE_TSA_URL, NOTICE_TSA_ROOTS)"
        )
    try:
        verified = services.token_verifier.verify(note, tsr)
        certificates = _token_certificates(tsr)
    except ValueError as exc:
        raise DocumentConflict(
            f"{key!r} holds a time-stamp that is not a valid token over this checkpoint's note ({exc}); "
            "write-once evidence is never replaced"
        ) from exc
    return _Stamp(tsr, verified.gen_time, ",".join(services.settings.tsa_urls), certificates)


def _time_stamp(services: Services, tenant_id: str, size: int, note: bytes) -> _Stamp | None:
    """The stored token of a killed attempt if there is one, else a new one from the TSA (None without a TSA)."""
    key = checkpoint_key(tenant_id, size, "tsr")
    stored = _stored(services, key)
    if stored is not None:
        return _reused_stamp(services, key, note, stored)
    if services.time_stamper is None:
        return None
    token = services.time_stamper.timestamp(note)
    tsr = time_stamp_response(token.token_der)
    return _Stamp(tsr, token.gen_time, token.tsa_url, token.certificates_der)


def _store_evidence(services: Services, tenant_id: str, size: int, note: bytes, stamp: _Stamp | None) -> None:
    """Write-once: the same bytes again answer the existing object, others raise ``DocumentConflict``."""
    store = services.store
    store.put(note, content_type="text/plain", document_class="audit", key=checkpoint_key(tenant_id, size, "note"))
    if stamp is not None:
        store.put(
            stamp.tsr,
            content_type="application/timestamp-reply",
            document_class="audit",
            key=checkpoint_key(tenant_id, size, "tsr"),
        )
        store.put(
            certificates_pem(stamp.certificates_der),
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
    _refuse_another_note(services, tenant_id, size, note)
    stamp = _time_stamp(services, tenant_id, size, note)
    _store_evidence(services, tenant_id, size, note, stamp)
    crash_point("after-checkpoint-store")
    facts = AnchorFacts(
        size=size,
        root=root,
        note_sha256=sha256_hex(note),
        key_fingerprint=fingerprint,
        token_sha256=sha256_hex(stamp.tsr) if stamp is not None else None,
        gen_time=stamp.gen_time.isoformat() if stamp is not None else None,
        tsa_url=stamp.tsa_url if stamp is not None else None,
    )
    return _record_checkpoint(services, tenant_id, facts, note, stamp)


def _record_checkpoint(
    services: Services,
    tenant_id: str,
    facts: AnchorFacts,
    note: bytes,
    stamp: _Stamp | None,
) -> CheckpointOutcome:
    tsr = stamp.tsr if stamp is not None else None
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
                gen_time=stamp.gen_time if stamp is not None else None,
                anchor_index=sealed[0].index,
                created_at=now,
            )
        )
    return CheckpointOutcome(facts.size, facts.root.hex(), sealed[0].index, tsr is not None, True)
