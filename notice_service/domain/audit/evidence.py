"""The audit ledger's evidence objects: WORM layout, anchor and key records, time-stamp responses.

Store layout (every key write-once, see ``audit/SPEC.md`` §7)::

    audit/<tenant>/segments/<first index, 12 digits>.jsonl    canonical records first..last, one per line
    audit/<tenant>/checkpoints/<size, 12 digits>.note         the signed checkpoint note
    audit/<tenant>/checkpoints/<size, 12 digits>.tsr          RFC 3161 TimeStampResp over the note's bytes
    audit/<tenant>/checkpoints/<size, 12 digits>.chain.pem    certificates that came with the token

A segment's name is the index of its first record, so the log can be read back from the store alone by
following segments from index 0 until none is found; checkpoints are found through the anchor records.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from notice_service.domain.audit.records import JsonValue, RecordDraft

ACTION_CHECKPOINT = "audit:checkpoint"
ACTION_ANCHORED = "audit:anchored"
ACTION_KEY_ACTIVATED = "audit:key-activated"
ANCHOR_ACTIONS = frozenset({ACTION_CHECKPOINT, ACTION_ANCHORED})
LOG_SUBJECT = "audit_log"
WORKER_ACTOR = ("worker", "audit-checkpointer")


def segment_key(tenant_id: str, first_index: int) -> str:
    return f"audit/{tenant_id}/segments/{first_index:012d}.jsonl"


def checkpoint_key(tenant_id: str, size: int, suffix: str) -> str:
    """``suffix`` is ``note``, ``tsr`` or ``chain.pem``."""
    return f"audit/{tenant_id}/checkpoints/{size:012d}.{suffix}"


def encode_segment(records: Sequence[bytes]) -> bytes:
    """Canonical JSONL: each record's exact bytes followed by one newline."""
    return b"".join(record + b"\n" for record in records)


def decode_segment(data: bytes) -> list[bytes]:
    if not data.endswith(b"\n"):
        raise ValueError("a segment ends with a newline")
    return data.split(b"\n")[:-1]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def time_stamp_response(token_der: bytes) -> bytes:
    """Wrap a TimeStampToken (CMS ContentInfo, DER) in a granted RFC 3161 ``TimeStampResp``.

    ``TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo }`` with
    ``PKIStatusInfo ::= SEQUENCE { status INTEGER (0 = granted) }``: what ``openssl ts -verify -in`` reads.
    """
    body = bytes.fromhex("3003020100") + token_der
    return b"\x30" + _der_length(len(body)) + body


def certificates_pem(certificates_der: Sequence[bytes]) -> bytes:
    blocks = []
    for der in certificates_der:
        text = base64.b64encode(der).decode()
        lines = "\n".join(text[i : i + 64] for i in range(0, len(text), 64))
        blocks.append(f"-----BEGIN CERTIFICATE-----\n{lines}\n-----END CERTIFICATE-----\n")
    return "".join(blocks).encode()


@dataclass(frozen=True)
class AnchorFacts:
    """What the anchor record says about a checkpoint (and its token, when one was obtained)."""

    size: int
    root: bytes
    note_sha256: str
    key_fingerprint: str
    token_sha256: str | None = None
    gen_time: str | None = None
    tsa_url: str | None = None


def anchor_record(facts: AnchorFacts) -> RecordDraft:
    """``audit:anchored`` (with a token) or ``audit:checkpoint`` (none configured), about the log itself."""
    data: dict[str, JsonValue] = {
        "size": facts.size,
        "root": facts.root.hex(),
        "note_sha256": facts.note_sha256,
        "key_fingerprint": facts.key_fingerprint,
        "token_sha256": facts.token_sha256,
        "gen_time": facts.gen_time,
        "tsa_url": facts.tsa_url,
    }
    return RecordDraft(
        actor_type=WORKER_ACTOR[0],
        actor_id=WORKER_ACTOR[1],
        action=ACTION_ANCHORED if facts.token_sha256 else ACTION_CHECKPOINT,
        subject_type=LOG_SUBJECT,
        subject_id=str(facts.size),
        data=data,
    )


def key_activation_record(key_name: str, vkey: str, fingerprint: str, previous: str | None) -> RecordDraft:
    """The record that makes a checkpoint key valid for this log from its own index on (rotation included)."""
    return RecordDraft(
        actor_type=WORKER_ACTOR[0],
        actor_id=WORKER_ACTOR[1],
        action=ACTION_KEY_ACTIVATED,
        subject_type="checkpoint_key",
        subject_id=fingerprint,
        data={"key_name": key_name, "vkey": vkey, "fingerprint": fingerprint, "replaces": previous},
    )
