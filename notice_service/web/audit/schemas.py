"""Response schemas of ``/v1/audit`` (pydantic; the OpenAPI document is generated from them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class KeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    key_id: str = Field(description="4-byte signed-note key id, hex")
    fingerprint: str = Field(description="SHA-256 of 0x01 || Ed25519 public key, hex: compare out of band")
    vkey: str = Field(description="note verifier key: name+keyid+base64(0x01 || key)")
    valid_from_index: int | None = Field(description="first log index this key may sign for; null: not yet used")


class KeysOut(BaseModel):
    current: KeyOut | None
    history: list[KeyOut]


class RecordOut(BaseModel):
    index: int
    leaf_hash: str
    record: dict[str, Any]
    canonical: str = Field(description="the exact RFC 8785 bytes that are hashed")


class RecordPageOut(BaseModel):
    records: list[RecordOut]
    next_after: int | None = Field(description="pass as ?after= for the next page; null on the last page")


class CheckpointOut(BaseModel):
    size: int
    root: str
    note: str = Field(description="the C2SP signed note, exactly as signed and time-stamped")
    key_name: str
    key_fingerprint: str
    anchor_index: int = Field(description="index of the record that anchors this checkpoint in the log")
    time_stamp_response: str | None = Field(description="RFC 3161 TimeStampResp over the note bytes, base64")
    gen_time: datetime | None
    tsa_url: str | None


class InclusionProofOut(BaseModel):
    index: int
    tree_size: int
    leaf_hash: str
    proof: list[str]
    root: str


class ConsistencyProofOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: int = Field(alias="from")
    to: int
    proof: list[str]
    root_from: str
    root_to: str


class RecordQuery(BaseModel):
    """``GET /v1/audit/records``: filters (subject_type with subject_id) and the page."""

    subject_type: str | None = None
    subject_id: str | None = None
    case_id: str | None = None
    after: int = Field(
        default=-1, ge=-(2**31 - 1), le=2**31 - 1, description="the last index of the previous page (next_after)"
    )
    limit: int = Field(default=100, ge=1, le=500)


class InclusionQuery(BaseModel):
    """``GET /v1/audit/proofs/inclusion``."""

    index: int = Field(ge=0, le=2**31 - 1)
    tree_size: int = Field(ge=1, le=2**31 - 1)


class ConsistencyQuery(BaseModel):
    """``GET /v1/audit/proofs/consistency`` (``from`` and ``to`` are tree sizes)."""

    model_config = ConfigDict(populate_by_name=True)
    from_: int = Field(ge=1, le=2**31 - 1, alias="from")
    to: int = Field(ge=1, le=2**31 - 1)
