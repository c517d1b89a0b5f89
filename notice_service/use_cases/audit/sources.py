"""Reading a tenant's ledger back from the WORM store alone, following the layout of ``domain.audit_evidence``.

Segments are read from index 0, each naming the next by its length, until none is found; the key history
and the checkpoints are found through the log's own records (``audit:key-activated`` carries the vkey, each
anchor record the size whose note and token it anchors). No database row is needed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from notice_service.domain.audit.evidence import (
    ACTION_KEY_ACTIVATED,
    ANCHOR_ACTIONS,
    checkpoint_key,
    decode_segment,
    segment_key,
)
from notice_service.domain.audit.ledger import CheckpointEvidence, LedgerFailure
from notice_service.errors import DocumentNotFound, StoreUnavailable
from notice_service.ports import DocumentStore


@dataclass
class LedgerSource:
    """One source's copy of a ledger: origin, record bytes, (vkey, valid from index) pairs, checkpoints."""

    origin: str
    records: list[bytes]
    vkeys: list[tuple[str, int]]
    checkpoints: list[CheckpointEvidence]
    head: tuple[int, str] | None = None  # the database's head row: size and last leaf hash


def read_object(store: DocumentStore, key: str) -> bytes | None:
    try:
        return store.get(key)
    except DocumentNotFound:
        return None
    except StoreUnavailable as exc:
        raise LedgerFailure("store-divergence", f"{key}: {exc.detail}") from exc


def read_store_records(store: DocumentStore, tenant_id: str) -> list[bytes]:
    records: list[bytes] = []
    while (segment := read_object(store, segment_key(tenant_id, len(records)))) is not None:
        try:
            records.extend(decode_segment(segment))
        except ValueError as exc:
            raise LedgerFailure("records-file-malformed", f"{segment_key(tenant_id, len(records))}: {exc}") from exc
    return records


def read_store_ledger(store: DocumentStore, tenant_id: str) -> LedgerSource:
    records = read_store_records(store, tenant_id)
    origin, vkeys, checkpoints = "", [], []
    for canonical in records:
        try:
            record = json.loads(canonical)
        except ValueError:
            continue  # the verifier names unparsable records
        origin = origin or str(record.get("log", ""))
        data = record.get("data") if isinstance(record.get("data"), dict) else {}
        if record.get("action") == ACTION_KEY_ACTIVATED:
            vkeys.append((str(data.get("vkey")), int(record["index"])))
        elif record.get("action") in ANCHOR_ACTIONS and isinstance(data.get("size"), int):
            size = data["size"]
            note = read_object(store, checkpoint_key(tenant_id, size, "note"))
            if note is None:
                raise LedgerFailure("checkpoint-missing", f"checkpoint {size}: no note in the store")
            token = read_object(store, checkpoint_key(tenant_id, size, "tsr")) if data.get("token_sha256") else None
            checkpoints.append(CheckpointEvidence(f"checkpoint {size} (store)", note, token))
    return LedgerSource(origin, records, vkeys, checkpoints)
