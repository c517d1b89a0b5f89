"""``notice-service audit export``: a tenant's ledger in the directory layout of ``audit/SPEC.md`` §5.

``records.jsonl`` (the exact record bytes), ``checkpoints/<size>.note`` and ``.tsr`` (read back from the WORM
store, where the worker wrote them), ``keys.json`` (the log's key history with fingerprints) and
``tsa/chain.pem`` (the certificates that came with the tokens, untrusted). ``audit/verify.py log DIR``
checks the result without importing anything from the service.
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


@dataclass(frozen=True)
class ExportSummary:
    records: int
    checkpoints: int
    tokens: int


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


def export_ledger(services: Services, tenant_id: str, out: Path) -> ExportSummary:
    """Write the export into ``out`` (which must be empty or absent)."""
    if out.exists() and any(out.iterdir()):
        raise Conflict(f"{out} is not empty; export into a new directory.")
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    with services.db.reading() as session:
        audit_repository.head_of(session, tenant_id)
        with (out / "records.jsonl").open("wb") as records:
            count = 0
            for canonical in audit_repository.iter_records(session, tenant_id):
                records.write(canonical + b"\n")
                count += 1
        rows = list(
            session.execute(
                select(AuditCheckpoint).where(AuditCheckpoint.tenant_id == tenant_id).order_by(AuditCheckpoint.size)
            ).scalars()
        )
        key_rows = list(
            session.execute(
                select(AuditLogKey).where(AuditLogKey.tenant_id == tenant_id).order_by(AuditLogKey.valid_from_index)
            ).scalars()
        )
    _write_keys(out, key_rows)
    tokens = _write_checkpoints(services, out, rows)
    return ExportSummary(count, len(rows), tokens)
