"""Verifying a whole ledger: records, chain, tree, signed checkpoints, tokens, anchors, key history, time bounds.

``verify_ledger`` is what ``notice-service audit verify`` runs, on records and checkpoints read from the
database or from the WORM store alone. It raises ``LedgerFailure`` with a stable ``reason`` (the names of
``audit/SPEC.md``) for the first problem, in this order: records (format, index, prev), checkpoints (signature
by a key valid for the size, origin, fork, size, root, consistency with the previous one), tokens, anchors, key
activations, time bounds (the last three in ``domain.audit.own_records``).

Token checking is an adapter's job (X.509, CMS); it is passed in as ``check_token(note, tsr)``, which raises
``ValueError`` when the token does not cover the note or does not chain to a trusted TSA, and answers the token's
genTime and whether the TSA chain validated only at that genTime (a certificate has expired since;
``tokens_at_gen_time``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from notice_service.domain.audit.checkpoint import (
    BadSignatureError,
    Checkpoint,
    CheckpointError,
    UnknownKeyError,
    parse_and_verify_checkpoint,
    read_checkpoint,
)
from notice_service.domain.audit.evidence import ACTION_KEY_ACTIVATED, ANCHOR_ACTIONS
from notice_service.domain.audit.merkle import ProofError, verify_consistency
from notice_service.domain.audit.merkle_levels import MerkleLevels
from notice_service.domain.audit.own_records import (
    ActivatedKey,
    Anchored,
    OwnRecordError,
    anchored_size,
    check_activations,
    check_anchor,
    check_time_bounds,
)
from notice_service.domain.audit.records import (
    GENESIS_PREV,
    RECORD_KEYS,
    RecordFormatError,
    check_fields,
    leaf_hash,
    parse_record,
)

_MAX_SAFE_INT = 2**53 - 1

TokenCheck = Callable[[bytes, bytes], tuple[datetime, bool]]


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


def _safe_int(text: str) -> int:
    """An integer within ±(2^53−1); any other falls to ``parse_record``, which names it."""
    value = int(text)
    if abs(value) > _MAX_SAFE_INT:
        raise ValueError(f"integer {text} outside ±(2^53−1)")
    return value


def _parse_fast(canonical: bytes) -> dict[str, object]:
    """``parse_record``, with a C-speed path for ASCII records whose bytes already are their JCS form.

    For ASCII text without floats, ``json.dumps(sort_keys, compact)`` and RFC 8785 give the same bytes; any
    other record (or a mismatch) goes through the full RFC 8785 check, which names the problem.
    """
    if canonical.isascii():
        try:
            record = json.loads(canonical, parse_float=_refuse_float, parse_int=_safe_int)
        except ValueError:
            record = None
        compact = json.dumps(record, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        same = compact.encode("utf-8", "surrogatepass") == canonical
        if same and isinstance(record, dict) and record.keys() == RECORD_KEYS:
            return record
    return parse_record(canonical)


@dataclass
class Chain:
    """What ``read_chain`` keeps: the leaf hashes, the ledger's own records, and for each size asked for, the latest
    ``time`` claimed by the records below it."""

    leaves: list[bytes] = field(default_factory=list)
    own: list[dict[str, object]] = field(default_factory=list)
    latest_before: dict[int, str] = field(default_factory=dict)


def _check_record(canonical: bytes, position: int, origin: str, prev: str) -> dict[str, object]:
    try:
        record = _parse_fast(canonical)
        check_fields(record)
    except RecordFormatError as exc:
        reason = "record-not-canonical" if "canonical" in str(exc) else "record-format"
        raise LedgerFailure(reason, f"record {position}: {exc}") from exc
    if record["log"] != origin:
        raise LedgerFailure("record-wrong-log", f"record {position}: log {record['log']!r}")
    if record["index"] != position or isinstance(record["index"], bool):  # True == 1 in Python, not in JSON
        raise LedgerFailure("index-sequence", f"record {position}: index {record['index']} at position {position}")
    if record["prev"] != prev:
        raise LedgerFailure("prev-mismatch", f"record {position}: prev is not record {position - 1}'s leaf hash")
    return record


def read_chain(records: Iterable[bytes], origin: str, sizes: frozenset[int] = frozenset()) -> Chain:
    """Every record after the format, log, index and prev checks: leaf hashes, own records, latest times."""
    chain, prev, latest = Chain(), GENESIS_PREV, ""
    for position, canonical in enumerate(records):
        if position in sizes:
            chain.latest_before[position] = latest
        record = _check_record(canonical, position, origin, prev)
        prev = leaf_hash(canonical)
        if sizes:
            latest = max(latest, str(record["time"]))  # same-shaped UTC times sort as text
        chain.leaves.append(bytes.fromhex(prev))
        if record["action"] in ANCHOR_ACTIONS or record["action"] == ACTION_KEY_ACTIVATED:
            chain.own.append(record)
    if len(chain.leaves) in sizes:
        chain.latest_before[len(chain.leaves)] = latest
    return chain


@dataclass(frozen=True)
class VerifiedNote:
    """A checkpoint note whose signature verified: the checkpoint, who signed it, its token's verified genTime."""

    evidence: CheckpointEvidence
    checkpoint: Checkpoint
    signers: frozenset[str]
    gen_time: datetime | None = None


def _verify_note(evidence: CheckpointEvidence, keys: Sequence[LedgerKey]) -> VerifiedNote:
    """The note's checkpoint, signed by at least one key allowed for its size; a bad signature by any such key
    refuses it. A key's line on a size below its ``valid_from_index`` is ignored, like a stranger's (SPEC.md §4)."""
    try:
        size = read_checkpoint(evidence.note).size
    except CheckpointError as exc:
        raise LedgerFailure("checkpoint-malformed", f"{evidence.label}: {exc}") from exc
    verified: dict[str, Checkpoint] = {}
    for key in (key for key in keys if key.valid_from_index <= size):
        try:
            verified[key.fingerprint] = parse_and_verify_checkpoint(evidence.note, {key.name: key.public_key})
        except BadSignatureError as exc:
            raise LedgerFailure("checkpoint-bad-signature", f"{evidence.label}: {exc}") from exc
        except UnknownKeyError:
            continue
    if not verified:
        raise LedgerFailure("checkpoint-unknown-key", f"{evidence.label}: no valid signature by a key for size {size}")
    return VerifiedNote(evidence, next(iter(verified.values())), frozenset(verified))


def _agreeing(
    evidence: Sequence[CheckpointEvidence], keys: Sequence[LedgerKey], origin: str
) -> dict[int, VerifiedNote]:
    """Each note verified, of the log's origin, one root per size (the first note of each size is kept)."""
    by_size: dict[int, VerifiedNote] = {}
    for item in evidence:
        verified = _verify_note(item, keys)
        if verified.checkpoint.origin != origin:
            raise LedgerFailure("checkpoint-origin-mismatch", f"{item.label}: origin {verified.checkpoint.origin!r}")
        seen = by_size.setdefault(verified.checkpoint.size, verified)
        if seen.checkpoint.root != verified.checkpoint.root:
            raise LedgerFailure("checkpoint-fork", f"{seen.evidence.label} and {item.label}: two roots for one size")
    return by_size


def check_checkpoints(
    evidence: Sequence[CheckpointEvidence], keys: Sequence[LedgerKey], levels: MerkleLevels, origin: str
) -> tuple[dict[int, VerifiedNote], int]:
    """Signatures, origin, forks, sizes, roots, and consistency between successive checkpoints."""
    by_size = _agreeing(evidence, keys, origin)
    proofs, previous = 0, None
    for size in sorted(by_size):
        checkpoint, item = by_size[size].checkpoint, by_size[size].evidence
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
    return by_size, proofs


def _check_tokens(by_size: dict[int, VerifiedNote], check_token: TokenCheck, report: LedgerReport) -> None:
    """Each checkpoint's token checked by the adapter; its verified genTime kept for the anchor and the bounds."""
    for size, verified in sorted(by_size.items()):
        item = verified.evidence
        if item.token is None:
            continue
        try:
            gen_time, at_gen_time = check_token(item.note, item.token)
        except ValueError as exc:
            raise LedgerFailure("timestamp-invalid", f"{item.label}: {exc}") from exc
        by_size[size] = replace(verified, gen_time=gen_time)
        report.tokens += 1
        report.tokens_at_gen_time += 1 if at_gen_time else 0


def _check_anchors(
    chain: Chain, by_size: dict[int, VerifiedNote]
) -> tuple[int, dict[int, datetime], list[tuple[int, datetime]]]:
    """Each anchor record against its checkpoint; answers how many, and the genTimes they vouch for."""
    count, stamped, anchors = 0, dict[int, datetime](), list[tuple[int, datetime]]()
    for record in (record for record in chain.own if record["action"] in ANCHOR_ACTIONS):
        size = anchored_size(record)
        verified = by_size.get(size)
        if verified is None:
            raise LedgerFailure("checkpoint-missing", f"anchor record {record['index']} (checkpoint {size})")
        item = verified.evidence
        gen_time = check_anchor(
            record, Anchored(item.note, item.token, verified.checkpoint.root, verified.signers, verified.gen_time)
        )
        count += 1
        if gen_time is not None:
            anchors.append((int(str(record["index"])), gen_time))
            stamped[size] = gen_time
    return count, stamped, anchors


def _check_own_records(chain: Chain, by_size: dict[int, VerifiedNote], keys: Sequence[LedgerKey]) -> tuple[int, int]:
    """Anchors, key activations and time bounds (``own_records``); answers how many anchors and activations."""
    activations = [record for record in chain.own if record["action"] == ACTION_KEY_ACTIVATED]
    try:
        count, stamped, anchors = _check_anchors(chain, by_size)
        listed = [ActivatedKey(k.name, k.public_key, k.fingerprint, k.valid_from_index) for k in keys]
        check_activations(activations, listed, len(chain.leaves))
        check_time_bounds(stamped, anchors, chain.latest_before)
    except OwnRecordError as exc:
        raise LedgerFailure(exc.reason, exc.detail) from exc
    return count, len(activations)


def _token_sizes(evidence: Sequence[CheckpointEvidence]) -> frozenset[int]:
    """The sizes of the checkpoints that carry a token (a malformed note is named later, by its check)."""
    sizes = set()
    for item in evidence:
        if item.token is not None:
            try:
                sizes.add(read_checkpoint(item.note).size)
            except CheckpointError:
                continue
    return frozenset(sizes)


def verify_ledger(
    records: Iterable[bytes],
    *,
    origin: str,
    keys: Sequence[LedgerKey],
    checkpoints: Sequence[CheckpointEvidence],
    check_token: TokenCheck | None = None,
) -> LedgerReport:
    """Check everything; answer what was checked, or raise ``LedgerFailure`` for the first problem."""
    chain = read_chain(records, origin, _token_sizes(checkpoints))
    levels = MerkleLevels(chain.leaves)
    by_size, proofs = check_checkpoints(checkpoints, keys, levels, origin)
    report = LedgerReport(records=len(chain.leaves), checkpoints=len(by_size), consistency_proofs=proofs)
    if check_token is not None:
        _check_tokens(by_size, check_token, report)
    report.anchors, report.key_activations = _check_own_records(chain, by_size, keys)
    report.root = levels.root(len(chain.leaves))
    return report
