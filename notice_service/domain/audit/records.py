"""Audit records: their canonical form (RFC 8785), leaf hashes (RFC 9162) and the hash chain.

A record is a JSON object with exactly these members (format version 1)::

    {"v": 1, "log": <origin>, "index": <int>, "prev": <hex leaf hash of record index-1, or 64 zeros>,
     "time": "<RFC 3339 UTC, microseconds, Z>", "actor": {"type": ..., "id": ...},
     "action": "<noun:verb>", "subject": {"type": ..., "id": ...},
     "documents": [{"role": ..., "sha256": <hex>}, ...], "data": {...}}

Its bytes are the RFC 8785 canonical serialisation (``rfc8785.dumps``); the leaf hash is
``SHA-256(0x00 || bytes)`` as in RFC 9162 §2.1.1, and ``prev`` carries the previous record's leaf hash, so the
chain can be checked sequentially without any tree code. No floats anywhere (amounts are strings); integers
stay within ±(2^53−1); personal data never enters a record (ids and salted hashes only).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import rfc8785

RECORD_VERSION = 1
GENESIS_PREV = "0" * 64
_MAX_SAFE_INT = 2**53 - 1
_VERSION_TAIL = b',"v":%d}' % RECORD_VERSION
RECORD_KEYS = frozenset({"v", "log", "index", "prev", "time", "actor", "action", "subject", "documents", "data"})
"""The members of a version-1 record, no more, no fewer."""
_ACTION = re.compile(r"[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
_HEX64 = re.compile(r"[0-9a-f]{64}")

JsonValue = str | int | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


class RecordFormatError(ValueError):
    """A record (or its bytes) does not follow the version-1 format."""


@dataclass(frozen=True)
class DocumentRef:
    role: str
    sha256: str


@dataclass(frozen=True)
class RecordDraft:
    """What a use case wants recorded; the log assigns index, prev and time."""

    actor_type: str
    actor_id: str
    action: str
    subject_type: str
    subject_id: str
    documents: tuple[DocumentRef, ...] = ()
    data: Mapping[str, JsonValue] | None = None


@dataclass(frozen=True)
class SealedRecord:
    index: int
    canonical: bytes
    leaf_hash: str


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC with microseconds and a ``Z``; refuses naive datetimes."""
    if moment.tzinfo is None:
        raise RecordFormatError("record time must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def leaf_hash(canonical: bytes) -> str:
    """RFC 9162 leaf hash, hex."""
    return hashlib.sha256(b"\x00" + canonical).hexdigest()


def _check_json(value: object, path: str) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if abs(value) > _MAX_SAFE_INT:
            raise RecordFormatError(f"{path}: integer outside the safe range")
        return
    if isinstance(value, float):
        raise RecordFormatError(f"{path}: floats are not allowed (use strings for amounts)")
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_json(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise RecordFormatError(f"{path}: keys must be ASCII strings")
            _check_json(item, f"{path}.{key}")
        return
    raise RecordFormatError(f"{path}: {type(value).__name__} is not a JSON value")


def _dumps(value: JsonValue) -> bytes:
    return rfc8785.dumps(value)


@dataclass(frozen=True)
class PreparedRecord:
    """A draft already in RFC 8785 form except ``index``, ``log`` and ``prev``.

    RFC 8785 sorts the ten members as ``action, actor, data, documents, index, log, prev, subject, time, v``:
    the three members only the log head knows are adjacent, so the canonical bytes are ``head`` + index + log +
    prev + ``tail``, and sealing under the head lock is a concatenation and one SHA-256.
    """

    head: bytes
    tail: bytes

    def seal(self, log_json: bytes, index: int, prev: str) -> SealedRecord:
        """``log_json`` is ``rfc8785.dumps(log)`` (see ``log_member``)."""
        if not 0 <= index <= _MAX_SAFE_INT or len(prev) != len(GENESIS_PREV) or not prev.isascii():
            raise RecordFormatError(f"index {index} or prev {prev[:16]!r} is not a valid chain position")
        index_text = str(index).encode()
        canonical = b"".join((self.head, index_text, b',"log":', log_json, b',"prev":"', prev.encode(), self.tail))
        return SealedRecord(index=index, canonical=canonical, leaf_hash=leaf_hash(canonical))


@lru_cache(maxsize=4096)
def log_member(log: str) -> bytes:
    """The canonical JSON of a log origin, as ``PreparedRecord.seal`` takes it."""
    return _dumps(log)


def check_action(action: str) -> None:
    """``<noun>:<verb>``, lowercase ASCII letters, digits, ``_`` and ``-`` (SPEC.md §1)."""
    if not _ACTION.fullmatch(action):
        raise RecordFormatError(f"action {action!r} is not <noun>:<verb> in [a-z0-9_-]")


def _check_time(value: object) -> None:
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise RecordFormatError("time must be RFC 3339 UTC with microseconds and Z")
    try:
        datetime.fromisoformat(value[:-1])
    except ValueError as exc:
        raise RecordFormatError(f"time {value!r} is not a calendar date and time ({exc})") from exc


def _is_pair(value: object) -> bool:
    return isinstance(value, dict) and set(value) == {"type", "id"} and all(isinstance(v, str) for v in value.values())


def _is_document(value: object) -> bool:
    return (
        isinstance(value, dict) and set(value) == {"role", "sha256"} and isinstance(value["role"], str)
        and isinstance(value["sha256"], str) and _HEX64.fullmatch(value["sha256"]) is not None
    )  # fmt: skip


def check_fields(record: Mapping[str, object]) -> None:
    """The types of a parsed record's members (SPEC.md §1): version 1, ``log`` a string, ``action``
    ``<noun>:<verb>``, ``time`` a real UTC calendar date and time, ``actor`` and ``subject`` ``{type, id}``,
    ``documents`` ``[{role, sha256}]``, ``data`` an object. ``RecordFormatError`` names the first one wrong."""
    if record.get("v") != 1 or isinstance(record.get("v"), bool) or not isinstance(record.get("log"), str):
        raise RecordFormatError("v must be 1 and log a string")
    action = record.get("action")
    check_action(action if isinstance(action, str) else repr(action))
    _check_time(record.get("time"))
    if not _is_pair(record.get("actor")) or not _is_pair(record.get("subject")):
        raise RecordFormatError("actor and subject must be exactly {type, id}, strings")
    documents = record.get("documents")
    if not isinstance(documents, list) or not all(_is_document(d) for d in documents):
        raise RecordFormatError("documents must be a list of {role, sha256 (64 hex)}")
    if not isinstance(record.get("data"), dict):
        raise RecordFormatError("data must be an object")


def prepare_record(draft: RecordDraft, time: datetime) -> PreparedRecord:
    """Check and canonicalise everything the draft and the clock decide, before the log head is locked."""
    check_action(draft.action)
    members: dict[str, JsonValue] = {
        "action": draft.action,
        "actor": {"type": draft.actor_type, "id": draft.actor_id},
        "data": dict(draft.data or {}),
        "documents": [{"role": d.role, "sha256": d.sha256} for d in draft.documents],
        "subject": {"type": draft.subject_type, "id": draft.subject_id},
        "time": format_time(time),
    }
    _check_json(members, "record")
    parts = [b'{"action":', _dumps(members["action"]), b',"actor":', _dumps(members["actor"]), b',"data":']
    parts += [_dumps(members["data"]), b',"documents":', _dumps(members["documents"]), b',"index":']
    head = b"".join(parts)
    tail = b'","subject":' + _dumps(members["subject"]) + b',"time":' + _dumps(members["time"]) + _VERSION_TAIL
    return PreparedRecord(head, tail)


def seal_record(draft: RecordDraft, *, log: str, index: int, prev: str, time: datetime) -> SealedRecord:
    """Build the canonical bytes and leaf hash of the record at ``index`` following ``prev``."""
    return prepare_record(draft, time).seal(log_member(log), index, prev)


def _reject_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise RecordFormatError(f"duplicate key {key!r}")
        result[key] = value
    return result


def parse_record(canonical: bytes) -> dict[str, object]:
    """Parse record bytes, refusing duplicate keys, floats, and bytes that are not canonical."""
    try:
        record = json.loads(canonical.decode("utf-8"), object_pairs_hook=_reject_duplicates, parse_float=_refuse_float)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordFormatError(f"not JSON: {exc}") from exc
    if not isinstance(record, dict) or set(record) != RECORD_KEYS:
        raise RecordFormatError("record members differ from the version-1 format")
    _check_json(record, "record")  # ASCII member names, integers within ±(2^53−1), as when writing
    if rfc8785.dumps(record) != canonical:
        raise RecordFormatError("record bytes are not RFC 8785 canonical")
    return record


def _refuse_float(text: str) -> float:
    raise RecordFormatError(f"float {text} in record")


@dataclass(frozen=True)
class ChainBreak:
    index: int
    reason: str


def verify_chain(records: Iterable[bytes], *, log: str) -> tuple[int, ChainBreak | None]:
    """Check records in order: format, log name, index sequence and ``prev`` links.

    Answers how many records were checked and the first break, if any.
    """
    expected_prev = GENESIS_PREV
    count = 0
    for position, canonical in enumerate(records):
        try:
            record = parse_record(canonical)
        except RecordFormatError as exc:
            return count, ChainBreak(position, f"format: {exc}")
        if record["log"] != log:
            return count, ChainBreak(position, f"record belongs to log {record['log']!r}")
        if record["index"] != position:
            return count, ChainBreak(position, f"index {record['index']} where {position} was expected")
        if record["prev"] != expected_prev:
            return count, ChainBreak(position, "prev does not match the previous record's leaf hash")
        expected_prev = leaf_hash(canonical)
        count += 1
    return count, None
