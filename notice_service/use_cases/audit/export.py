"""``notice-service audit export``: a tenant's ledger in the directory layout of ``audit/SPEC.md`` §5.

The export first takes a checkpoint of the log's head for itself (signed, and time-stamped when a TSA is
configured), then writes the log as that checkpoint saw it: ``records.jsonl`` (the exact record bytes) up to
and including the checkpoint's own anchor record, ``checkpoints/<size>.note`` and ``.tsr`` up to that size (read
back from the WORM store, where they were written), ``keys.json`` (the keys activated within those records, with
fingerprints) and ``tsa/chain.pem`` (the certificates that came with the tokens, untrusted). So the only record
no signature covers is that anchor (SPEC.md §8); records appended while the checkpoint was being signed are
covered by checkpointing again, records appended after it are left for the next export.
``audit/verify.py log DIR`` checks the result without importing anything from the service.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from notice_service.db import audit_repository
from notice_service.db.models.audit import AuditCheckpoint, AuditLogKey
from notice_service.errors import Conflict, DocumentNotFound
from notice_service.services import Services
from notice_service.use_cases.audit.checkpoint import CheckpointOutcome, checkpoint_log

#: A checkpoint whose anchor is not right after it (records were appended while it was being signed) is taken
#: again, this many times at most; after that the export carries those few uncovered records, and says so.
CHECKPOINT_ATTEMPTS = 3


@dataclass(frozen=True)
class ExportSummary:
    records: int
    checkpoints: int
    tokens: int
    checkpoint_size: int = 0  # the checkpoint taken for the export; records[checkpoint_size:] are its anchor


def _write_keys(out: Path, rows: list[AuditLogKey]) -> None:
    keys = [
        {"name": r.key_name, "vkey": r.vkey, "fingerprint": r.fingerprint, "valid_from_index": r.valid_from_index}
        for r in rows
    ]
    (out / "keys.json").write_text(json.dumps(keys, indent=2) + "\n", encoding="utf-8")


def _write_checkpoints(services: Services, out: Path, rows: list[AuditCheckpoint]) -> int:
    tokens, chain = 0, b""
    for row in rows:
        (out / "checkpoints" / f"{row.size}.note").write_bytes(services.store.get(row.note_key))
        if row.token_key is not None:
            (out / "checkpoints" / f"{row.size}.tsr").write_bytes(services.store.get(row.token_key))
            tokens += 1
        if row.chain_key is not None:
            try:
                pem = services.store.get(row.chain_key)
            except DocumentNotFound:
                pem = b""
            chain += b"" if pem in chain else pem
    if chain:
        (out / "tsa").mkdir(exist_ok=True)
        (out / "tsa" / "chain.pem").write_bytes(chain)
    return tokens


def checkpoint_head(services: Services, tenant_id: str) -> CheckpointOutcome:
    """A checkpoint of the log's head covering every record but its own anchor, checkpointing again (at most
    ``CHECKPOINT_ATTEMPTS`` times) while other records were appended between its read of the head and its anchor."""
    outcome = checkpoint_log(services, tenant_id)
    for _ in range(CHECKPOINT_ATTEMPTS - 1):
        if outcome.anchor_index == outcome.size:
            break
        outcome = checkpoint_log(services, tenant_id)
    return outcome


def _write_records(services: Services, tenant_id: str, out: Path, last: int) -> int:
    with services.db.reading() as session, (out / "records.jsonl").open("wb") as records:
        audit_repository.head_of(session, tenant_id)
        count = 0
        for canonical in audit_repository.iter_records(session, tenant_id):
            if count > last:
                break
            records.write(canonical + b"\n")
            count += 1
    return count


def export_ledger(services: Services, tenant_id: str, out: Path) -> ExportSummary:
    """Checkpoint the head, then write the log up to that checkpoint's anchor into ``out`` (empty or absent)."""
    if out.exists() and any(out.iterdir()):
        raise Conflict(f"{out} is not empty; export into a new directory.")
    outcome = checkpoint_head(services, tenant_id)
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    count = _write_records(services, tenant_id, out, outcome.anchor_index)
    with services.db.reading() as session:
        rows = list(
            session.execute(
                select(AuditCheckpoint)
                .where(AuditCheckpoint.tenant_id == tenant_id, AuditCheckpoint.size <= outcome.size)
                .order_by(AuditCheckpoint.size)
            ).scalars()
        )
        key_rows = list(
            session.execute(
                select(AuditLogKey)
                .where(AuditLogKey.tenant_id == tenant_id, AuditLogKey.valid_from_index < count)
                .order_by(AuditLogKey.valid_from_index)
            ).scalars()
        )
    _write_keys(out, key_rows)
    tokens = _write_checkpoints(services, out, rows)
    return ExportSummary(count, len(rows), tokens, outcome.size)
