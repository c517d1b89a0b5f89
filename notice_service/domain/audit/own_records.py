"""The ledger's own records checked against what they describe (``audit/SPEC.md`` §6 steps 6, 7 and 9, §7).

An anchor record must say exactly what its checkpoint is: its data members, subject ``audit_log/<size>``, an
index after the records it anchors, the note's and the token's SHA-256, the root, a key that signed the note,
the token's genTime and TSA (``anchor-mismatch``). A listed key has its activation record, exactly as the service
writes it, at its ``valid_from_index`` (``key-not-logged``), and every activation record is a listed key's
(``key-not-listed``). A time-stamped checkpoint of size n bounds what came before it: no record below n claims a
time after the token's genTime (``time-beyond-timestamp``) and no anchor below n carries a later genTime
(``timestamp-order``), each give or take ``CLOCK_SKEW``.

The same rules as ``audit/verify.py``; ``OwnRecordError`` carries the failure name, ``domain.audit.ledger`` turns it
into its ``LedgerFailure``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from notice_service.domain.audit.checkpoint import verifier_key_string
from notice_service.domain.audit.evidence import ACTION_ANCHORED, ACTION_CHECKPOINT, LOG_SUBJECT, sha256_hex

ANCHOR_DATA = frozenset({"size", "root", "note_sha256", "key_fingerprint", "token_sha256", "gen_time", "tsa_url"})
CLOCK_SKEW = timedelta(seconds=60)
KEY_SUBJECT = "checkpoint_key"


class OwnRecordError(ValueError):
    """One of the ledger's own records contradicts what it describes; ``reason`` is the SPEC.md failure name."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Anchored:
    """What an anchor record is compared with: a verified checkpoint note, its token, the fingerprints of the
    keys whose signature on it verified, and the token's genTime when a token verifier checked it."""

    note: bytes
    token: bytes | None
    root: bytes
    signers: frozenset[str]
    gen_time: datetime | None = None


@dataclass(frozen=True)
class ActivatedKey:
    """A listed checkpoint key, as its activation record must name it."""

    name: str
    public_key: Ed25519PublicKey
    fingerprint: str
    valid_from_index: int


def anchored_size(record: Mapping[str, object]) -> int:
    """The size an anchor record anchors, once its data members, subject and index are checked."""
    where = f"anchor record {record['index']}"
    data = record["data"]
    if not isinstance(data, dict) or set(data) != ANCHOR_DATA:
        raise OwnRecordError("anchor-mismatch", f"{where}: data must have exactly {', '.join(sorted(ANCHOR_DATA))}")
    size = data["size"]
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise OwnRecordError("anchor-mismatch", f"{where}: data.size must be an integer ≥ 0")
    if record["subject"] != {"type": LOG_SUBJECT, "id": str(size)}:
        raise OwnRecordError("anchor-mismatch", f"{where}: subject must be {LOG_SUBJECT} {size}")
    index = record["index"]
    if not isinstance(index, int) or index < size:
        raise OwnRecordError("anchor-mismatch", f"{where}: it lies inside checkpoint {size}, which it cannot anchor")
    return size


def _claimed_gen_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def _check_token_facts(where: str, record: Mapping[str, object], data: dict[str, object], item: Anchored) -> None:
    token_sha = sha256_hex(item.token) if item.token is not None else None
    if token_sha != data["token_sha256"]:
        raise OwnRecordError("anchor-mismatch", f"{where}: the time-stamp token is not the anchored one")
    if record["action"] != (ACTION_ANCHORED if token_sha is not None else ACTION_CHECKPOINT):
        raise OwnRecordError(
            "anchor-mismatch", f"{where}: {record['action']} does not say whether a token was anchored"
        )
    if token_sha is None:
        if data["gen_time"] is not None or data["tsa_url"] is not None:
            raise OwnRecordError("anchor-mismatch", f"{where}: gen_time and tsa_url must be null without a token")
        return
    claimed = _claimed_gen_time(data["gen_time"])
    if claimed is None or (item.gen_time is not None and abs(claimed - item.gen_time) >= timedelta(microseconds=1)):
        raise OwnRecordError("anchor-mismatch", f"{where}: gen_time {data['gen_time']!r} is not the token's genTime")
    if not isinstance(data["tsa_url"], str) or not data["tsa_url"]:
        raise OwnRecordError("anchor-mismatch", f"{where}: tsa_url must name the TSA that issued the token")


def check_anchor(record: Mapping[str, object], item: Anchored) -> datetime | None:
    """The anchor record against its checkpoint (``anchored_size`` first); answers the genTime it vouches for (the
    verified token's, else the one it claims), None without a token."""
    where = f"anchor record {record['index']} (checkpoint {anchored_size(record)})"
    data = dict(record["data"]) if isinstance(record["data"], dict) else {}  # anchored_size checked it is one
    if sha256_hex(item.note) != data["note_sha256"]:
        raise OwnRecordError("anchor-mismatch", f"{where}: the checkpoint's bytes are not the anchored ones")
    if data["root"] != item.root.hex():
        raise OwnRecordError("anchor-mismatch", f"{where}: data.root is not the checkpoint's root")
    if data["key_fingerprint"] not in item.signers:
        raise OwnRecordError("anchor-mismatch", f"{where}: key_fingerprint is not a listed key that signed the note")
    _check_token_facts(where, record, data, item)
    return item.gen_time or _claimed_gen_time(data["gen_time"])


def check_activations(activations: Sequence[Mapping[str, object]], keys: Sequence[ActivatedKey], size: int) -> None:
    """Each listed key within the log has, at its ``valid_from_index``, the activation record the service writes
    (subject, key name, vkey, fingerprint, the key it replaces); each activation record is a listed key's."""
    by_index = {record["index"]: record for record in activations}
    previous: str | None = None
    for key in sorted(keys, key=lambda key: key.valid_from_index):
        expected = (
            {"type": KEY_SUBJECT, "id": key.fingerprint},
            {"key_name": key.name, "vkey": verifier_key_string(key.name, key.public_key),
             "fingerprint": key.fingerprint, "replaces": previous},
        )  # fmt: skip
        record = by_index.get(key.valid_from_index)
        if key.valid_from_index < size and (record is None or (record["subject"], record["data"]) != expected):
            raise OwnRecordError(
                "key-not-logged", f"key {key.name} ({key.fingerprint[:16]}…) has no activation record that names it"
            )
        previous = key.fingerprint
    listed = {(key.valid_from_index, key.fingerprint) for key in keys}
    for record in activations:
        data = record["data"]
        if not isinstance(data, dict) or (record["index"], data.get("fingerprint")) not in listed:
            raise OwnRecordError("key-not-listed", f"activation record {record['index']}: its key is not a log key")


def check_time_bounds(
    stamped: Mapping[int, datetime], anchors: Sequence[tuple[int, datetime]], latest_before: Mapping[int, str]
) -> None:
    """``stamped``: size → genTime of each time-stamped checkpoint; ``anchors``: (index, genTime) of the anchor
    records with a token; ``latest_before``: size → the latest ``time`` claimed below it (``YYYY-MM-DDTHH:MM:SS
    .ffffffZ``, which sorts as text)."""
    for size, gen_time in sorted(stamped.items()):
        latest = latest_before.get(size, "")
        if latest and datetime.fromisoformat(latest[:-1]).replace(tzinfo=UTC) > gen_time + CLOCK_SKEW:
            raise OwnRecordError(
                "time-beyond-timestamp", f"a record below {size} claims {latest}, after the token's genTime {gen_time}"
            )
        for index, earlier in anchors:
            if index < size and earlier > gen_time + CLOCK_SKEW:
                raise OwnRecordError(
                    "timestamp-order",
                    f"checkpoint {size} ({gen_time}) covers anchor {index}, whose token says {earlier}",
                )
