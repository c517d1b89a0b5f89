"""The ``audit/`` folder of a dossier: a checkpoint taken for this export and what proves the case's records in it.

``audit/checkpoints/<size>.note`` (and ``.tsr`` when a TSA is configured), ``audit/records.jsonl`` (the case's
records, exact bytes), ``audit/inclusion-proofs.json`` (RFC 9162 paths to that checkpoint),
``audit/checkpoints/<previous>.note`` with ``audit/consistency-proof.json`` (from the previous exported
checkpoint, else the previous checkpoint of the log), ``audit/keys.json`` (the log's keys with fingerprints) and
``audit/tsa-chain.pem`` (certificates that came with the tokens; untrusted).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select

from notice_service.db.models.audit import AuditCheckpoint, AuditLogKey
from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.dossier import Dossier
from notice_service.domain.audit.merkle import consistency_proof, inclusion_proof
from notice_service.domain.audit.records import leaf_hash
from notice_service.domain.dossier.manifest import CheckpointRef
from notice_service.errors import DocumentNotFound
from notice_service.services import Services
from notice_service.use_cases.audit.checkpoint import checkpoint_log
from notice_service.use_cases.dossier.collect import CaseMaterial, load_case_records


@dataclass(frozen=True)
class AuditPart:
    files: list[tuple[str, bytes]]
    checkpoint: CheckpointRef
    records: list[bytes]
    tsa_chain: bytes


def _json(value: object) -> bytes:
    return (json.dumps(value, indent=2) + "\n").encode()


def _previous_size(services: Services, tenant_id: str, size: int) -> int | None:
    with services.db.reading() as session:
        exported = session.execute(
            select(func.max(Dossier.checkpoint_size)).where(
                Dossier.tenant_id == tenant_id, Dossier.checkpoint_size < size
            )
        ).scalar_one_or_none()
        if exported:
            return int(exported)
        logged = session.execute(
            select(func.max(AuditCheckpoint.size)).where(
                AuditCheckpoint.tenant_id == tenant_id, AuditCheckpoint.size < size, AuditCheckpoint.size > 0
            )
        ).scalar_one_or_none()
    return int(logged) if logged else None


def _leaves(services: Services, tenant_id: str, size: int) -> list[bytes]:
    with services.db.reading() as session:
        rows = session.execute(
            select(AuditRecord.leaf_hash)
            .where(AuditRecord.tenant_id == tenant_id, AuditRecord.index < size)
            .order_by(AuditRecord.index)
        ).scalars()
        return [bytes.fromhex(leaf) for leaf in rows]


def _keys(services: Services, tenant_id: str) -> bytes:
    with services.db.reading() as session:
        rows = session.execute(
            select(AuditLogKey).where(AuditLogKey.tenant_id == tenant_id).order_by(AuditLogKey.valid_from_index)
        ).scalars()
        keys = [
            {"name": r.key_name, "vkey": r.vkey, "fingerprint": r.fingerprint, "valid_from_index": r.valid_from_index}
            for r in rows
        ]
    return _json(keys)


def _chain(services: Services, row: AuditCheckpoint) -> bytes:
    if row.chain_key is None:
        return b""
    try:
        return services.store.get(row.chain_key)
    except DocumentNotFound:
        return b""


def build_audit_part(services: Services, tenant_id: str, material: CaseMaterial) -> AuditPart:
    """Checkpoint the log now, then prove the case's records in it and link it to the previous checkpoint."""
    size = checkpoint_log(services, tenant_id).size
    with services.db.reading() as session:
        row = session.get_one(AuditCheckpoint, (tenant_id, size))
    previous = _previous_size(services, tenant_id, size)
    with services.db.reading() as session:
        previous_row = session.get(AuditCheckpoint, (tenant_id, previous)) if previous else None
    leaves = _leaves(services, tenant_id, size)
    records = load_case_records(services, tenant_id, material, size)
    proofs = []
    for canonical in records:
        index = json.loads(canonical)["index"]
        path = inclusion_proof(leaves, index, size)
        proofs.append({"index": index, "leaf_hash": leaf_hash(canonical), "path": [p.hex() for p in path]})
    note_path = f"audit/checkpoints/{size}.note"
    files = [
        (note_path, row.note),
        ("audit/records.jsonl", b"".join(r + b"\n" for r in records)),
        ("audit/inclusion-proofs.json", _json({"tree_size": size, "proofs": proofs})),
        ("audit/keys.json", _keys(services, tenant_id)),
    ]
    token_path = None
    if row.token is not None:
        token_path = f"audit/checkpoints/{size}.tsr"
        files.append((token_path, row.token))
    previous_note = None
    if previous_row is not None:
        previous_note = f"audit/checkpoints/{previous_row.size}.note"
        consistency = [p.hex() for p in consistency_proof(leaves, previous_row.size, size)]
        files.append((previous_note, previous_row.note))
        proof = {"from": previous_row.size, "to": size, "path": consistency}
        files.append(("audit/consistency-proof.json", _json(proof)))
    reference = CheckpointRef(size, note_path, token_path, previous_row.size if previous_row else None, previous_note)
    return AuditPart(files, reference, records, _chain(services, row))
