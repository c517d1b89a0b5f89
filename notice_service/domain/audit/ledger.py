"""Verifying a whole ledger: records, chain, tree, signed checkpoints, tokens, anchors and key history.

``verify_ledger`` is what ``notice-service audit verify`` runs, on records and checkpoints read from the
database or from the WORM store alone. It raises ``LedgerFailure`` with a stable ``reason`` (the names of
``audit/SPEC.md`` §6 plus ``anchor-mismatch``, ``checkpoint-missing`` and ``key-not-logged``) for the first
problem, in this order: keys, records (format, index, prev), checkpoints (signature by a key valid for the
size, origin, fork, size, root, consistency with the previous one), tokens, anchors, key activations.

Token checking is an adapter's job (X.509, CMS); it is passed in as ``check_token(note, tsr)``, which raises
``ValueError`` when the token does not cover the note or does not chain to a trusted TSA, and answers True when
the TSA chain validated only at the token's genTime (a certificate has expired since; ``tokens_at_gen_time``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from notice_service.domain.audit.checkpoint import (
    BadSignatureError,
    Checkpoint,
    CheckpointError,
    UnknownKeyError,
    parse_and_verify_checkpoint,
    read_checkpoint,
)
from notice_service.domain.audit.evidence import ACTION_KEY_ACTIVATED, ANCHOR_ACTIONS, sha256_hex
from notice_service.domain.audit.merkle import ProofError, verify_consistency
from notice_service.domain.audit.merkle_levels import MerkleLevels
from notice_service.domain.audit.records import GENESIS_PREV, RecordFormatError, check_fields, leaf_hash, parse_record

_RECORD_KEYS = frozenset({"v", "log", "index", "prev", "time", "actor", "action", "subject", "documents", "data"})

TokenCheck = Callable[[bytes, bytes], bool]


class LedgerFailure(Exception):
    """The first verification failure: a stable ``reason`` and a ``detail`` naming the record or checkpoint."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class LedgerKey:
    name: str
    public_key: Ed25519PublicKey
    fingerprint: str
    valid_from_index: int


@dataclass(frozen=True)
class CheckpointEvidence:
    label: str
    note: bytes
    token: bytes | None = None


@dataclass
class LedgerReport:
    records: int = 0
    checkpoints: int = 0
    consistency_proofs: int = 0
    tokens: int = 0
    tokens_at_gen_time: int = 0
    anchors: int = 0
    key_activations: int = 0
    root: bytes = b""
    anchor_facts: list[dict[str, object]] = field(default_factory=list)


def _refuse_float(text: str) -> float:
    raise RecordFormatError(f"float {text} in record")


def _parse_fast(canonical: bytes) -> dict[str, object]:
    """``parse_record``, with a C-speed path for ASCII records whose bytes already are their JCS form.

    For ASCII text without floats, ``json.dumps(sort_keys, compact)`` and RFC 8785 give the same bytes; any
    other record (or a mismatch) goes through the full RFC 8785 check, which names the problem.
    """
    if canonical.isascii():
        try:
            record = json.loads(canonical, parse_float=_refuse_float)
        except ValueError:
            record = None
        compact = json.dumps(record, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        same = compact.encode("utf-8", "surrogatepass") == canonical
        if same and isinstance(record, dict) and record.keys() == _RECORD_KEYS:
            return record
    return parse_record(canonical)


def read_chain(records: Iterable[bytes], origin: str) -> tuple[list[bytes], list[dict[str, object]]]:
    """Leaf hashes of every record after the format, log, index and prev checks; plus the ledger's own records."""
    leaves: list[bytes] = []
    own: list[dict[str, object]] = []
    prev = GENESIS_PREV
    for position, canonical in enumerate(records):
        try:
            record = _parse_fast(canonical)
            check_fields(record)
        except RecordFormatError as exc:
            reason = "record-not-canonical" if "canonical" in str(exc) else "record-format"
            raise LedgerFailure(reason, f"record {position}: {exc}") from exc
        if record["log"] != origin:
            raise LedgerFailure("record-wrong-log", f"record {position}: log {record['log']!r}")
        if record["index"] != position:
            raise LedgerFailure("index-sequence", f"record {position}: index {record['index']} at position {position}")
        if record["prev"] != prev:
            raise LedgerFailure("prev-mismatch", f"record {position}: prev is not record {position - 1}'s leaf hash")
        prev = leaf_hash(canonical)
        leaves.append(bytes.fromhex(prev))
        action = record["action"]
        if action in ANCHOR_ACTIONS or action == ACTION_KEY_ACTIVATED:
            own.append(record)
    return leaves, own


def _verify_note(evidence: CheckpointEvidence, keys: Sequence[LedgerKey]) -> Checkpoint:
    """The note's checkpoint, signed by at least one key allowed for its size; a bad signature by any such key
    refuses it. A key's line on a size below its ``valid_from_index`` is ignored, like a stranger's (SPEC.md §4)."""
    try:
        size = read_checkpoint(evidence.note).size
    except CheckpointError as exc:
        raise LedgerFailure("checkpoint-malformed", f"{evidence.label}: {exc}") from exc
    verified: list[Checkpoint] = []
    for key in (key for key in keys if key.valid_from_index <= size):
        try:
            verified.append(parse_and_verify_checkpoint(evidence.note, {key.name: key.public_key}))
        except BadSignatureError as exc:
            raise LedgerFailure("checkpoint-bad-signature", f"{evidence.label}: {exc}") from exc
        except UnknownKeyError:
            continue
    if not verified:
        raise LedgerFailure("checkpoint-unknown-key", f"{evidence.label}: no valid signature by a key for size {size}")
    return verified[0]


def check_checkpoints(
    evidence: Sequence[CheckpointEvidence], keys: Sequence[LedgerKey], levels: MerkleLevels, origin: str
) -> tuple[dict[int, CheckpointEvidence], int]:
    """Signatures, origin, forks, sizes, roots, and consistency between successive checkpoints."""
    by_size: dict[int, tuple[Checkpoint, CheckpointEvidence]] = {}
    for item in evidence:
        checkpoint = _verify_note(item, keys)
        if checkpoint.origin != origin:
            raise LedgerFailure("checkpoint-origin-mismatch", f"{item.label}: origin {checkpoint.origin!r}")
        seen = by_size.setdefault(checkpoint.size, (checkpoint, item))
        if seen[0].root != checkpoint.root:
            raise LedgerFailure("checkpoint-fork", f"{seen[1].label} and {item.label}: two roots for one size")
    proofs, previous = 0, None
    for size in sorted(by_size):
        checkpoint, item = by_size[size]
        if size > levels.size:
            raise LedgerFailure("log-shorter-than-checkpoint", f"{item.label} attests {size} > {levels.size} records")
        if levels.root(size) != checkpoint.root:
            raise LedgerFailure("checkpoint-root-mismatch", f"{item.label}: root differs from the records")
        if previous is not None and 0 < previous.size < size:
            try:
                proof = levels.consistency_proof(previous.size, size)
                verify_consistency(previous.size, size, proof, previous.root, checkpoint.root)
            except ProofError as exc:
                raise LedgerFailure("checkpoint-inconsistent", f"{previous.size} → {size}: {exc}") from exc
            proofs += 1
        previous = checkpoint
    return {size: pair[1] for size, pair in by_size.items()}, proofs


def _check_anchors(own: Sequence[dict[str, object]], checkpoints: dict[int, CheckpointEvidence]) -> int:
    anchors = 0
    for record in own:
        if record["action"] not in ANCHOR_ACTIONS:
            continue
        data = record["data"] if isinstance(record["data"], dict) else {}
        size = data.get("size")
        item = checkpoints.get(size) if isinstance(size, int) else None
        where = f"anchor record {record['index']} (checkpoint {size})"
        if item is None:
            raise LedgerFailure("checkpoint-missing", f"{where}: the anchored checkpoint is not present")
        if sha256_hex(item.note) != data.get("note_sha256"):
            raise LedgerFailure("anchor-mismatch", f"{where}: the checkpoint's bytes are not the anchored ones")
        token_sha = sha256_hex(item.token) if item.token is not None else None
        if token_sha != data.get("token_sha256"):
            raise LedgerFailure("anchor-mismatch", f"{where}: the time-stamp token is not the anchored one")
        anchors += 1
    return anchors


def _check_key_activations(own: Sequence[dict[str, object]], keys: Sequence[LedgerKey]) -> int:
    activated: dict[str, int] = {}
    for record in own:
        data = record["data"]
        if record["action"] == ACTION_KEY_ACTIVATED and isinstance(data, dict) and isinstance(record["index"], int):
            activated.setdefault(str(data.get("fingerprint")), record["index"])
    for key in keys:
        if activated.get(key.fingerprint) != key.valid_from_index:
            raise LedgerFailure("key-not-logged", f"key {key.name} ({key.fingerprint[:16]}…) has no activation record")
    return len(activated)


def verify_ledger(
    records: Iterable[bytes],
    *,
    origin: str,
    keys: Sequence[LedgerKey],
    checkpoints: Sequence[CheckpointEvidence],
    check_token: TokenCheck | None = None,
) -> LedgerReport:
    """Check everything; answer what was checked, or raise ``LedgerFailure`` for the first problem."""
    leaves, own = read_chain(records, origin)
    levels = MerkleLevels(leaves)
    by_size, proofs = check_checkpoints(checkpoints, keys, levels, origin)
    report = LedgerReport(records=len(leaves), checkpoints=len(by_size), consistency_proofs=proofs)
    for item in by_size.values():
        if item.token is not None and check_token is not None:
            try:
                at_gen_time = check_token(item.note, item.token)
            except ValueError as exc:
                raise LedgerFailure("timestamp-invalid", f"{item.label}: {exc}") from exc
            report.tokens += 1
            report.tokens_at_gen_time += 1 if at_gen_time else 0
    report.anchors = _check_anchors(own, by_size)
    report.key_activations = _check_key_activations(own, keys)
    report.root = levels.root(len(leaves))
    return report
