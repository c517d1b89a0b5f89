"""``notice-service audit verify``: the whole ledger of each tenant, from the database or the WORM store alone.

Either source is read completely (records, checkpoint notes, tokens, key history) and checked by
``domain.audit_ledger.verify_ledger``; then the other source is compared with it, and any difference (a
record or checkpoint whose bytes differ, one that exists on one side only) is reported as tampering. Records
beyond the mirror's frontier (the worker has not mirrored them yet) are reported as lag; a store holding fewer
records than the frontier says were written is ``store-missing``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from notice_service.db import audit_repository
from notice_service.db.models.audit import AuditCheckpoint, AuditLogKey
from notice_service.domain.audit.checkpoint import CheckpointError, key_fingerprint, parse_verifier_key
from notice_service.domain.audit.evidence import checkpoint_key
from notice_service.domain.audit.ledger import (
    CheckpointEvidence,
    LedgerFailure,
    LedgerKey,
    LedgerReport,
    TokenCheck,
    verify_ledger,
)
from notice_service.domain.audit.records import leaf_hash
from notice_service.ports import TimeStampVerifier
from notice_service.services import Services
from notice_service.use_cases.audit.mirror import mirror_frontier
from notice_service.use_cases.audit.sources import LedgerSource, read_object, read_store_ledger


@dataclass
class LedgerCheck:
    tenant_id: str
    source: str
    lines: list[str] = field(default_factory=list)
    failure: LedgerFailure | None = None


def _ledger_keys(vkeys: list[tuple[str, int]]) -> list[LedgerKey]:
    keys = []
    for vkey, valid_from in vkeys:
        try:
            name, public = parse_verifier_key(vkey)
        except CheckpointError as exc:
            raise LedgerFailure("keys-invalid", f"vkey {vkey[:40]}…: {exc}") from exc
        keys.append(LedgerKey(name, public, key_fingerprint(public), valid_from))
    return keys


def read_database_ledger(services: Services, tenant_id: str) -> LedgerSource:
    """The tenant's ledger as the database holds it: records, key rows, checkpoint rows (note, token), head."""
    with services.db.reading() as session:
        head = audit_repository.head_of(session, tenant_id)
        records = list(audit_repository.iter_records(session, tenant_id))
        key_rows = session.execute(select(AuditLogKey).where(AuditLogKey.tenant_id == tenant_id)).scalars().all()
        rows = session.execute(
            select(AuditCheckpoint).where(AuditCheckpoint.tenant_id == tenant_id).order_by(AuditCheckpoint.size)
        ).scalars()
        checkpoints = [CheckpointEvidence(f"checkpoint {row.size} (database)", row.note, row.token) for row in rows]
    vkeys = [(row.vkey, row.valid_from_index) for row in key_rows]
    return LedgerSource(head.origin, records, vkeys, checkpoints, head=(head.size, head.last_leaf_hash))


def _check_head(database: LedgerSource) -> None:
    """The head row counts the records and remembers the last leaf hash: a changed tail shows here."""
    size, last_leaf = database.head or (len(database.records), "")
    if size != len(database.records):
        raise LedgerFailure("head-mismatch", f"record {len(database.records)}: the log head counts {size} records")
    if database.records and leaf_hash(database.records[-1]) != last_leaf:
        raise LedgerFailure("head-mismatch", f"record {size - 1}: its leaf hash is not the one the head recorded")


def _unanchored_copy(services: Services, tenant_id: str, size: int, item: CheckpointEvidence) -> CheckpointEvidence:
    """The store's copy of a checkpoint whose anchor record is not mirrored yet (read by key)."""
    note = read_object(services.store, checkpoint_key(tenant_id, size, "note"))
    if note is None:
        raise LedgerFailure("store-missing", f"checkpoint {size}: {checkpoint_key(tenant_id, size, 'note')}")
    token = read_object(services.store, checkpoint_key(tenant_id, size, "tsr")) if item.token is not None else None
    return CheckpointEvidence(f"checkpoint {size} (store)", note, token)


def compare_sources(services: Services, tenant_id: str, database: LedgerSource, store: LedgerSource) -> str:
    """Raise ``LedgerFailure`` on a DB/store divergence; answer a line saying what matched."""
    for index, (ours, theirs) in enumerate(zip(database.records, store.records, strict=False)):
        if ours != theirs:
            raise LedgerFailure("store-divergence", f"record {index}: database and WORM store hold different bytes")
    if len(store.records) > len(database.records):
        raise LedgerFailure("store-divergence", f"record {len(database.records)}: in the store, not in the database")
    lag = ""
    if len(store.records) < len(database.records):
        if len(store.records) < mirror_frontier(services, tenant_id):
            raise LedgerFailure("store-missing", f"record {len(store.records)}: mirrored, but not in the store")
        lag = f", {len(database.records) - len(store.records)} newer records not mirrored yet (outbox pending)"
    stored = {item.label.split()[1]: item for item in store.checkpoints}
    for item in database.checkpoints:
        size = item.label.split()[1]
        other = stored.get(size) or _unanchored_copy(services, tenant_id, int(size), item)
        if other.note != item.note or other.token != item.token:
            raise LedgerFailure("store-divergence", f"checkpoint {size}: note or token differs from the database")
    if len(stored) > len(database.checkpoints):
        raise LedgerFailure("store-divergence", "the store anchors checkpoints the database does not have")
    return f"store: {len(store.records)} records and {len(stored)} checkpoints identical in database and store{lag}"


def _token_check(verifier: TimeStampVerifier) -> TokenCheck:
    def check(note: bytes, tsr: bytes) -> tuple[datetime, bool]:
        """The token's verified genTime, and whether its chain held only at that genTime."""
        verified = verifier.verify(note, tsr)
        return verified.gen_time, verified.at_gen_time

    return check


def _tokens_line(report: LedgerReport) -> str:
    """Says plainly how many tokens only verified at their genTime (and that revocation was not checked)."""
    line = f"timestamps: {report.tokens} RFC 3161 tokens verified over the note bytes"
    if report.tokens_at_gen_time:
        line += (
            f" ({report.tokens_at_gen_time} at their genTime: a TSA certificate has expired since, or is not yet"
            " valid by this machine's clock; revocation was not checked)"
        )
    return line


def verify_tenant_ledger(
    services: Services, tenant_id: str, source: str = "database", known: Sequence[CheckpointEvidence] = ()
) -> LedgerCheck:
    """``known``: checkpoints held outside the service (an earlier export, a recipient's receipt): a log that no
    longer reaches one of them (a truncated tail) or disagrees with it fails like it would against its own."""
    check = LedgerCheck(tenant_id, source)
    try:
        database = read_database_ledger(services, tenant_id)
        store = read_store_ledger(services.store, tenant_id)
        chosen = database if source == "database" else store
        keys = _ledger_keys(chosen.vkeys)
        verifier = services.token_verifier
        report = verify_ledger(
            chosen.records,
            origin=chosen.origin or database.origin,
            keys=keys,
            checkpoints=[*chosen.checkpoints, *(store if chosen is database else database).checkpoints, *known],
            check_token=_token_check(verifier) if verifier else None,
        )
        _check_head(database)
        checked = f"given: {len(known)} checkpoints checked (signature, no fork, size within the log, root)"
        given = [checked] if known else []
        check.lines += [
            f"records: {report.records} canonical (RFC 8785), indexes 0..{report.records - 1}, prev chain intact",
            f"tree: root {report.root.hex()} recomputed from the leaves (RFC 9162)",
            f"keys: {', '.join(f'{k.name} {k.fingerprint[:16]}… from {k.valid_from_index}' for k in keys) or 'none'}"
            f"; {report.key_activations} activation records",
            f"checkpoints: {report.checkpoints} signatures, roots and sizes verified, no fork; "
            f"{report.consistency_proofs} consistency proofs between successive checkpoints",
            *given,
            _tokens_line(report) if verifier else "timestamps: NOT CHECKED (no TSA trust roots configured)",
            f"anchors: {report.anchors} anchor records match their checkpoint and token bytes",
            compare_sources(services, tenant_id, database, store),
        ]
    except LedgerFailure as failure:
        check.failure = failure
    return check
