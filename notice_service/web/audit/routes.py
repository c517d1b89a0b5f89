"""``/v1/audit``: the tenant's ledger as evidence: records, checkpoints (latest, or signed on demand), proofs, keys.

Hashes are lowercase hex; proofs are RFC 9162 paths from the leaf upwards; the checkpoint note is returned
as its exact text and its RFC 3161 response in base64. Query parameters that are not integers, or out of
range, answer a problem naming the parameter.
"""

from __future__ import annotations

import base64
import json
import re

from flask import Blueprint, Response, request

from notice_service.db.models.audit import AuditCheckpoint
from notice_service.errors import FieldError, InvalidInput
from notice_service.use_cases.audit.checkpoint import checkpoint_on_demand
from notice_service.use_cases.audit.queries import (
    RecordFilter,
    latest_checkpoint,
    list_records,
    prove_consistency,
    prove_inclusion,
    published_keys,
)
from notice_service.web.audit.schemas import (
    CheckpointOut,
    ConsistencyProofOut,
    ConsistencyQuery,
    InclusionProofOut,
    InclusionQuery,
    KeysOut,
    RecordPageOut,
    RecordQuery,
)
from notice_service.web.context import actor, services
from notice_service.web.idempotency import idempotent
from notice_service.web.openapi import operation
from notice_service.web.responses import json_response

MAX_INDEX = 2**31 - 1  # log indexes are 32-bit integers in the database
audit = Blueprint("audit", __name__, url_prefix="/v1/audit")


def _int_arg(name: str, default: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        if default is None:
            raise InvalidInput(f"The query parameter {name} is required.", errors=[FieldError(name, "required")])
        return default
    if not re.fullmatch(r"\s*-?[0-9]{1,18}\s*", raw):
        raise InvalidInput(f"{name} must be an integer, not {raw[:40]!r}.", errors=[FieldError(name, "not an integer")])
    if not -MAX_INDEX <= int(raw) <= MAX_INDEX:
        raise InvalidInput(f"{name} is out of range.", errors=[FieldError(name, f"at most {MAX_INDEX} in magnitude")])
    return int(raw)


@operation(audit, "/keys", "GET", "The checkpoint keys: current key and this log's key history", response_model=KeysOut)
def read_keys() -> Response:
    current, history = published_keys(services(), actor())
    return json_response(KeysOut, {"current": current, "history": history})


@operation(
    audit,
    "/records",
    "GET",
    "Audit records, filtered by subject or case, paginated",
    response_model=RecordPageOut,
    query_model=RecordQuery,
)
def read_records() -> Response:
    query = RecordFilter(
        subject_type=request.args.get("subject_type") or None,
        subject_id=request.args.get("subject_id") or None,
        case_id=request.args.get("case_id") or None,
        after=_int_arg("after", -1),
        limit=_int_arg("limit", 100),
    )
    page = list_records(services(), actor(), query)
    records = [
        {"index": i, "leaf_hash": leaf, "record": json.loads(raw), "canonical": raw.decode()}
        for i, leaf, raw in page.records
    ]
    return json_response(RecordPageOut, {"records": records, "next_after": page.next_after})


def _checkpoint_body(row: AuditCheckpoint) -> dict[str, object]:
    return {
        "size": row.size,
        "root": row.root,
        "note": row.note.decode(),
        "key_name": row.key_name,
        "key_fingerprint": row.key_fingerprint,
        "anchor_index": row.anchor_index,
        "time_stamp_response": base64.b64encode(row.token).decode() if row.token is not None else None,
        "gen_time": row.gen_time,
        "tsa_url": row.tsa_url,
    }


@operation(audit, "/checkpoints/latest", "GET", "The latest signed checkpoint", response_model=CheckpointOut)
def read_latest_checkpoint() -> Response:
    return json_response(CheckpointOut, _checkpoint_body(latest_checkpoint(services(), actor())))


@operation(
    audit,
    "/checkpoints",
    "POST",
    "Sign (and time-stamp) a checkpoint of this log now",
    response_model=CheckpointOut,
    status=201,
    idempotent=True,
)
@idempotent
def create_checkpoint() -> Response:
    row = checkpoint_on_demand(services(), actor().tenant_id)
    return json_response(CheckpointOut, _checkpoint_body(row), 201, "/v1/audit/checkpoints/latest")


@operation(
    audit,
    "/proofs/inclusion",
    "GET",
    "RFC 9162 inclusion proof",
    response_model=InclusionProofOut,
    query_model=InclusionQuery,
)
def read_inclusion_proof() -> Response:
    index, tree_size = _int_arg("index"), _int_arg("tree_size")
    proof = prove_inclusion(services(), actor(), index, tree_size)
    body = {
        "index": index,
        "tree_size": tree_size,
        "leaf_hash": proof.leaf_hash,
        "proof": proof.path,
        "root": proof.roots[tree_size],
    }
    return json_response(InclusionProofOut, body)


@operation(
    audit,
    "/proofs/consistency",
    "GET",
    "RFC 9162 consistency proof",
    response_model=ConsistencyProofOut,
    query_model=ConsistencyQuery,
)
def read_consistency_proof() -> Response:
    first, second = _int_arg("from"), _int_arg("to")
    proof = prove_consistency(services(), actor(), first, second)
    body = {
        "from": first,
        "to": second,
        "proof": proof.path,
        "root_from": proof.roots[first],
        "root_to": proof.roots[second],
    }
    return json_response(ConsistencyProofOut, body)
