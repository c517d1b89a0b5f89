"""The checks of an exported audit log (``verify.py log``, audit/SPEC.md §6) and of the public vectors
(``verify.py vectors``), and the helpers ``verify_dossier.py`` shares: records, Merkle proofs, signed notes,
RFC 3161 tokens (from ``verify_tsr.py``).

Part of the standalone verifier (``verify.py`` is its command line): imports nothing from ``notice_service``,
only the standard library, ``cryptography`` (Ed25519) and ``rfc8785`` (JSON canonicalisation).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterator, Sequence, Set
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

# Beside this file (its folder is on sys.path when verify.py runs): the RFC 3161 part, re-exported for
# verify_dossier.py, which reaches everything shared through this module.
from verify_tsr import GEN_TIME_NOTE, UNREVOKED_NOTE, same_gen_time, token_gen_time, verify_token

EMPTY_TREE = hashlib.sha256(b"").digest()
GENESIS_PREV = "0" * 64
RECORD_MEMBERS = frozenset({"v", "log", "index", "prev", "time", "actor", "action", "subject", "documents", "data"})
MAX_SAFE_INT = 2**53 - 1
HEX64 = re.compile(r"[0-9a-f]{64}")
# ASCII digits only: Python's \d also matches other scripts' digits (fullwidth "１２" is a valid int()).
TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
ACTION = re.compile(r"[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*")
DECIMAL = re.compile(r"0|[1-9][0-9]*")
KEY_NAME = re.compile(r"[^\s+]+")
KEY_ID = re.compile(r"[0-9a-f]{8}")
KEY_MEMBERS = frozenset({"name", "vkey", "fingerprint", "valid_from_index"})
ANCHOR_ACTIONS = frozenset({"audit:anchored", "audit:checkpoint"})
KEY_ACTIVATED = "audit:key-activated"
OWN_ACTIONS = ANCHOR_ACTIONS | {KEY_ACTIVATED}
MAX_SIGNATURES = 100
NOTE_NAME = re.compile(r"(0|[1-9][0-9]*)(?:\.[A-Za-z0-9_-]+)?\.note")


class Failure(Exception):
    """A verification failure with a stable, named reason (listed in SPEC.md)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


# --- RFC 9162 tree -----------------------------------------------------------------------------------


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class Tree:
    """All complete (perfect, aligned) subtree hashes of a list of leaf hashes, level by level."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.levels = [leaves]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            self.levels.append([node(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])

    def range_hash(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) for a range starting at a multiple of a power of two ≥ its length."""
        parts = []
        while lo < hi:
            level = (hi - lo).bit_length() - 1
            while lo & ((1 << level) - 1):
                level -= 1
            parts.append(self.levels[level][lo >> level])
            lo += 1 << level
        if not parts:
            return EMPTY_TREE
        result = parts.pop()
        while parts:
            result = node(parts.pop(), result)
        return result

    def consistency(self, size1: int, size2: int) -> list[bytes]:
        """RFC 9162 §2.1.4.1 PROOF(size1, D[0:size2]), computed from stored subtree hashes."""
        found: list[bytes] = []
        lo, hi, m, complete = 0, size2, size1, True
        while m != hi - lo:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            if m <= k:
                found.append(self.range_hash(lo + k, hi))
                hi = lo + k
            else:
                found.append(self.range_hash(lo, lo + k))
                lo, m, complete = lo + k, m - k, False
        if not complete:
            found.append(self.range_hash(lo, hi))
        return found[::-1]


def check_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Inclusion proof: ``inner`` hashes below the split from the right border, then ``border`` hashes."""
    if not 0 <= index < size:
        raise Failure("proof-index-out-of-range", f"index {index} size {size}")
    if len(leaf) != 32 or any(len(p) != 32 for p in proof):
        raise Failure("proof-bad-hash-size", "hashes must be 32 bytes")
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    if len(proof) != inner + border:
        raise Failure("proof-wrong-length", f"{len(proof)} hashes, expected {inner + border}")
    value = leaf
    for level, sibling in enumerate(proof[:inner]):
        value = node(sibling, value) if (index >> level) & 1 else node(value, sibling)
    for sibling in proof[inner:]:
        value = node(sibling, value)
    if value != root:
        raise Failure("proof-root-mismatch", "inclusion proof leads to another root")


def check_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Consistency proof as the inclusion of the subtree ending at size1, seen from both trees."""
    if size1 > size2 or size1 <= 0:
        raise Failure("proof-bad-sizes", f"no consistency proof from {size1} to {size2}")
    if size1 == size2:
        if proof or root1 != root2:
            raise Failure("proof-root-mismatch", "equal sizes need an empty proof and equal roots")
        return
    if any(len(p) != 32 for p in proof):
        raise Failure("proof-bad-hash-size", "hashes must be 32 bytes")
    shift = (size1 & -size1).bit_length() - 1
    index = (size1 - 1) >> shift
    inner = (index ^ ((size2 - 1) >> shift)).bit_length()
    border = bin(index >> inner).count("1")
    seed, rest = (root1, list(proof)) if index == 0 else (proof[0] if proof else b"", list(proof[1:]))
    if not seed or len(rest) != inner + border:
        raise Failure("proof-wrong-length", f"{len(proof)} hashes for {size1} → {size2}")
    old, new = seed, seed
    for level, sibling in enumerate(rest[:inner]):
        if (index >> level) & 1:
            old, new = node(sibling, old), node(sibling, new)
        else:
            new = node(new, sibling)
    for sibling in rest[inner:]:
        old, new = node(sibling, old), node(sibling, new)
    if old != root1:
        raise Failure("proof-root-mismatch", f"proof does not lead to the root at size {size1}")
    if new != root2:
        raise Failure("proof-root-mismatch", f"proof does not lead to the root at size {size2}")


# --- vectors -----------------------------------------------------------------------------------------


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _run_proof_vector(path: Path) -> None:
    vector = json.loads(path.read_text(encoding="utf-8"))
    proof = [_b64(p) for p in vector.get("proof") or []]
    if "leafIdx" in vector:
        args = (vector["leafIdx"], vector["treeSize"], _b64(vector["leafHash"]), proof, _b64(vector["root"]))
        check_inclusion(*args)
    else:
        check_consistency(vector["size1"], vector["size2"], proof, _b64(vector["root1"]), _b64(vector["root2"]))


def _proof_vector_results(root: Path) -> Iterator[tuple[str, str | None]]:
    for path in sorted(root.glob("merkle/*/**/*.json")):
        want_err = json.loads(path.read_text(encoding="utf-8")).get("wantErr", False)
        try:
            _run_proof_vector(path)
            yield str(path), ("accepted a wantErr case" if want_err else None)
        except Failure as exc:
            yield str(path), (None if want_err else f"rejected a happy path ({exc})")


def _as_ijson_int(text: str) -> int | float:
    """I-JSON numbers are doubles: integers beyond ±(2^53−1) become the nearest double."""
    value = int(text)
    return value if abs(value) <= MAX_SAFE_INT else float(value)


def _jcs_vector_results(root: Path) -> Iterator[tuple[str, str | None]]:
    for source in sorted((root / "jcs" / "input").glob("*.json")):
        expected = (root / "jcs" / "output" / source.name).read_bytes()
        parsed = json.loads(source.read_bytes(), parse_int=_as_ijson_int, object_pairs_hook=unique_keys)
        actual = rfc8785.dumps(parsed)
        yield str(source), (None if actual == expected else f"canonical form differs: {actual!r}")


def run_vectors(root: Path) -> int:
    results = [*_proof_vector_results(root), *_jcs_vector_results(root)]
    failed = [(name, problem) for name, problem in results if problem]
    for name, problem in failed:
        print(f"FAIL {name}: {problem}")
    print(f"vectors: {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed or not results else 0


# --- records -----------------------------------------------------------------------------------------


def unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate member {key!r}")
        result[key] = value
    return result


def no_float(text: str) -> float:
    raise ValueError(f"number {text} is not an integer")


def _check_value(value: object, where: str) -> None:
    """Only strings, safe integers, booleans, null, arrays and objects with ASCII keys."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not key.isascii():
                raise Failure("record-format", f"{where}: non-ASCII member name {key!r}")
            _check_value(item, f"{where}.{key}")
    elif isinstance(value, list):
        for position, item in enumerate(value):
            _check_value(item, f"{where}[{position}]")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INT:
        raise Failure("record-format", f"{where}: integer outside ±(2^53−1)")


def _check_pair(record: dict[str, object], member: str, where: str) -> None:
    value = record[member]
    if not (isinstance(value, dict) and set(value) == {"type", "id"}):
        raise Failure("record-format", f"{where}: {member} must be an object with exactly type and id")
    if not all(isinstance(v, str) for v in value.values()):
        raise Failure("record-format", f"{where}: {member}.type and {member}.id must be strings")


def _check_time(value: object, where: str) -> None:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in ASCII digits, naming a real UTC date and time (no 30 February, no hour
    24, no leap second, no year 0)."""
    if not isinstance(value, str) or not TIME.fullmatch(value):
        raise Failure("record-format", f"{where}: time must be RFC 3339 UTC with microseconds and Z")
    try:
        datetime.fromisoformat(value[:-1])
    except ValueError as exc:
        raise Failure("record-format", f"{where}: time {value!r} is not a calendar date and time ({exc})") from exc


def check_members(record: dict[str, object], values: bool = True, where: str = "record") -> None:
    """The ten members and their types; ``values``: also every value rule of SPEC.md §1 (the fast path has
    already checked them while parsing: ASCII names, integers in range, no floats)."""
    if set(record) != RECORD_MEMBERS:
        raise Failure("record-format", f"{where}: members {sorted(record)} differ from the version-1 list")
    if record["v"] != 1 or isinstance(record["v"], bool):
        raise Failure("record-format", f"{where}: unknown format version {record['v']!r}")
    if not isinstance(record["log"], str):
        raise Failure("record-format", f"{where}: log must be a string")
    if not isinstance(record["action"], str) or not ACTION.fullmatch(record["action"]):
        raise Failure("record-format", f"{where}: action {record['action']!r} is not <noun>:<verb> ([a-z0-9_-])")
    _check_time(record["time"], where)
    _check_pair(record, "actor", where)
    _check_pair(record, "subject", where)
    documents = record["documents"]
    if not isinstance(documents, list) or not all(
        isinstance(d, dict) and set(d) == {"role", "sha256"} and isinstance(d["role"], str)
        and isinstance(d["sha256"], str) and HEX64.fullmatch(d["sha256"])
        for d in documents
    ):  # fmt: skip
        raise Failure("record-format", f"{where}: documents must be a list of {{role, sha256 (64 hex)}}")
    if not isinstance(record["data"], dict):
        raise Failure("record-format", f"{where}: data must be an object")
    if values:
        _check_value(record, where)


def _parse_canonical_fast(line: bytes) -> dict[str, object] | None:
    """The record, if ``line`` is ASCII JSON whose bytes already are its RFC 8785 form; else None (slow path).

    For ASCII text without floats, sorted compact ``json.dumps`` and RFC 8785 write the same bytes (member names
    sort the same in UTF-16 and in code points, strings escape the same), so the C parser and serialiser can
    check the bytes. A duplicate member, a float or any other difference falls to the full check, which names it.
    """
    if not line.isascii():
        return None
    try:
        record = _FAST_DECODER.decode(line.decode("ascii"))
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    return record if _FAST_ENCODER.encode(record).encode("utf-8", "surrogatepass") == line else None


def _safe_int(text: str) -> int:
    value = int(text)
    if abs(value) > MAX_SAFE_INT:
        raise ValueError(f"integer {text} outside ±(2^53−1)")
    return value


_FAST_DECODER = json.JSONDecoder(parse_float=no_float, parse_int=_safe_int)
_FAST_ENCODER = json.JSONEncoder(separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _parse_canonical(line: bytes, where: str) -> tuple[dict[str, object], bool]:
    """The record and whether the fast path (which also checked the value rules) parsed it."""
    record = _parse_canonical_fast(line)
    if record is not None:
        return record, True
    try:
        parsed: Any = json.loads(line.decode("utf-8"), object_pairs_hook=unique_keys, parse_float=no_float)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Failure("record-not-json", f"{where}: {exc}") from exc
    if not isinstance(parsed, dict):
        raise Failure("record-format", f"{where}: not a JSON object")
    try:
        canonical = rfc8785.dumps(parsed)
    except rfc8785.CanonicalizationError as exc:
        raise Failure("record-format", f"{where}: {exc}") from exc
    if canonical != line:
        raise Failure("record-not-canonical", f"{where}: bytes differ from their RFC 8785 form")
    return parsed, False


def check_record(line: bytes, position: int, prev: str, origin: str | None) -> tuple[bytes, dict[str, object]]:
    """Check one record line against its position, predecessor and origin (None: record 0 of a log without
    checkpoint, whose ``log`` becomes the origin); answer its leaf hash and the record."""
    where = f"record {position}"
    record, fast = _parse_canonical(line, where)
    check_members(record, values=not fast, where=where)
    if origin is not None and record["log"] != origin:
        raise Failure("record-wrong-log", f"{where}: log {record['log']!r}, expected {origin!r}")
    if record["index"] != position or isinstance(record["index"], bool):
        raise Failure("index-sequence", f"{where}: index {record['index']!r} where {position} was expected")
    if record["prev"] != prev:
        raise Failure("prev-mismatch", f"{where}: prev is not the leaf hash of record {position - 1}")
    return hashlib.sha256(b"\x00" + line).digest(), record


@dataclass
class Records:
    """What ``read_records`` keeps: the leaf hashes, the log's own records (anchors, key activations, SPEC.md §7),
    the origin, and for each size asked for, the latest ``time`` claimed by the records below it."""

    leaves: list[bytes]
    own: list[dict[str, object]]
    origin: str | None
    latest_before: dict[int, str]


def read_records(path: Path, origin: str | None, sizes: Set[int] = frozenset()) -> Records:
    """Every record after the canonical-form, member, origin, index and prev-chain checks (SPEC.md §6 step 4).
    ``origin`` None (no checkpoint): record 0's ``log`` is the origin every record must carry."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        raise Failure("records-file-malformed", "records.jsonl must end with a newline")
    found = Records([], [], origin, {})
    prev, latest = GENESIS_PREV, ""
    for position, line in enumerate(data.split(b"\n")[:-1] if data else []):
        if position in sizes:
            found.latest_before[position] = latest
        leaf, record = check_record(line, position, prev, found.origin)
        found.origin = found.origin if found.origin is not None else str(record["log"])
        prev = leaf.hex()
        if sizes:
            latest = max(latest, str(record["time"]))  # same-shaped UTC times sort as text
        found.leaves.append(leaf)
        if record["action"] in OWN_ACTIONS:
            found.own.append(record)
    if len(found.leaves) in sizes:
        found.latest_before[len(found.leaves)] = latest
    return found


# --- keys and checkpoints ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LogKey:
    name: str
    key_id: bytes
    public_key: Ed25519PublicKey
    valid_from_index: int
    vkey: str = ""
    fingerprint: str = ""


@dataclass(frozen=True)
class Checkpoint:
    file: str
    origin: str
    size: int
    root: bytes
    signers: frozenset[str] = frozenset()  # fingerprints of the listed keys whose signature verified


def split_vkey(vkey: str) -> tuple[str, bytes, bytes]:
    """Name, key id and ``0x01 || public key`` of a vkey, split at its first two ``+`` (the base64 part may itself
    contain ``+``); ``keys-invalid`` unless the name has no whitespace, the key id is 8 lowercase hex digits and
    the rest is padded base64 of an Ed25519 key."""
    name, _, rest = vkey.partition("+")
    id_hex, _, data_b64 = rest.partition("+")
    if not KEY_NAME.fullmatch(name) or not KEY_ID.fullmatch(id_hex):
        raise Failure("keys-invalid", f"vkey {vkey[:60]!r} is not <name>+<8 lowercase hex>+<base64>")
    try:
        raw = base64.b64decode(data_b64, validate=True)
    except binascii.Error as exc:
        raise Failure("keys-invalid", f"vkey of {name!r}: {exc}") from exc
    if len(raw) != 33 or raw[0] != 0x01:
        raise Failure("keys-invalid", f"vkey of {name!r} is not an Ed25519 key (0x01 and 32 bytes)")
    return name, bytes.fromhex(id_hex), raw


def _load_key(entry: object) -> LogKey:
    if not isinstance(entry, dict) or set(entry) != KEY_MEMBERS:
        raise Failure("keys-invalid", "each key has exactly name, vkey, fingerprint and valid_from_index")
    if not all(isinstance(entry[member], str) for member in ("name", "vkey", "fingerprint")):
        raise Failure("keys-invalid", "a key's name, vkey and fingerprint are strings")
    name, claimed_id, raw = split_vkey(entry["vkey"])
    if name != entry["name"]:
        raise Failure("keys-invalid", f"vkey of {entry['name']!r} names another key ({name!r})")
    if hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4] != claimed_id:
        raise Failure("keys-invalid", f"vkey of {name!r}: key id does not match")
    if hashlib.sha256(raw).hexdigest() != entry["fingerprint"]:
        raise Failure("key-fingerprint-mismatch", f"fingerprint of {name!r} does not match its vkey")
    valid_from = entry["valid_from_index"]
    if not isinstance(valid_from, int) or isinstance(valid_from, bool) or valid_from < 0:
        raise Failure("keys-invalid", f"valid_from_index of {name!r} must be an integer ≥ 0")
    try:
        public_key = Ed25519PublicKey.from_public_bytes(raw[1:])
    except ValueError as exc:
        raise Failure("keys-invalid", f"vkey of {name!r} is not an Ed25519 public key: {exc}") from exc
    return LogKey(name, claimed_id, public_key, valid_from, str(entry["vkey"]), str(entry["fingerprint"]))


def load_keys(path: Path) -> list[LogKey]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Failure("keys-invalid", f"{path.name}: {exc}") from exc
    if not isinstance(entries, list) or not entries:
        raise Failure("keys-invalid", "keys.json must be a non-empty list")
    return [_load_key(entry) for entry in entries]


def _signature_line(line: str, file: str) -> tuple[str, bytes]:
    """``— <key name> <base64(key id || signature)>``: the name and the blob (at least a key id and one byte)."""
    name, space, sig_b64 = line.removeprefix("— ").partition(" ")
    try:
        blob = base64.b64decode(sig_b64, validate=True)
    except binascii.Error as exc:
        raise Failure("checkpoint-malformed", f"{file}: signature line {line[:40]!r} is not base64") from exc
    if not line.startswith("— ") or not space or not KEY_NAME.fullmatch(name) or len(blob) < 5:
        raise Failure("checkpoint-malformed", f"{file}: {line[:40]!r} is not a signature line")
    return name, blob


def _note_parts(path: Path, file: str) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The signed text (the body) and the signature lines, each (key name, key id || signature)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Failure("checkpoint-malformed", f"{file}: not UTF-8") from exc
    cut = text.rfind("\n\n")
    if cut < 0 or not text.endswith("\n"):
        raise Failure("checkpoint-malformed", f"{file}: not a signed note")
    if any(c < " " and c != "\n" for c in text):
        raise Failure("checkpoint-malformed", f"{file}: a control character other than newline (0x00–0x1F)")
    lines = text[cut + 2 :].removesuffix("\n").split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise Failure("checkpoint-malformed", f"{file}: {len(lines)} signature lines (at most {MAX_SIGNATURES})")
    return text[: cut + 1].encode(), [_signature_line(line, file) for line in lines]


def _signature_verifies(body: bytes, signature: tuple[str, bytes], key: LogKey, file: str) -> bool:
    """False when the line is not by ``key`` (name and key id); raises when it is and does not verify."""
    name, blob = signature
    if name != key.name or blob[:4] != key.key_id:
        return False
    try:
        key.public_key.verify(blob[4:], body)
    except InvalidSignature as exc:
        raise Failure("checkpoint-bad-signature", f"{file}: signature by {key.name} does not verify") from exc
    return True


def _parse_checkpoint_body(body: bytes, file: str) -> tuple[str, int, bytes]:
    lines = body.decode().split("\n")
    if len(lines) < 4 or not lines[0] or not DECIMAL.fullmatch(lines[1]):
        raise Failure("checkpoint-malformed", f"{file}: body is not origin, size, root")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except binascii.Error as exc:
        raise Failure("checkpoint-malformed", f"{file}: root is not base64") from exc
    if len(root) != 32:
        raise Failure("checkpoint-malformed", f"{file}: root is not 32 bytes")
    if any(not line for line in lines[3:-1]):
        raise Failure("checkpoint-malformed", f"{file}: an extension line is empty")
    return lines[0], int(lines[1]), root


def load_checkpoint(path: Path, keys: list[LogKey], given: bool = False) -> Checkpoint:
    """Parse a checkpoint note; at least one listed key valid for its size must have signed it.

    ``given``: a note held outside the export (``--checkpoint``), named by its path; its file name need not
    carry its size."""
    file = f"{path} (given)" if given else path.name
    named = NOTE_NAME.fullmatch(path.name)
    body, signature_lines = _note_parts(path, file)
    origin, size, root = _parse_checkpoint_body(body, file)
    if not given and (named is None or int(named.group(1)) != size):
        raise Failure("checkpoint-name-mismatch", f"{path.name} holds a checkpoint of size {size}")
    # a listed key may sign sizes from its valid_from_index on: below it, its line is ignored like a stranger's
    usable = [key for key in keys if key.valid_from_index <= size]
    signed = {k.fingerprint for line in signature_lines for k in usable if _signature_verifies(body, line, k, file)}
    if not signed:
        raise Failure("checkpoint-unknown-key", f"{file}: no signature by a key listed for size {size}")
    return Checkpoint(file, origin, size, root, frozenset(signed))


def check_tokens_have_notes(directory: Path) -> None:
    """Every ``checkpoints/<name>.tsr`` is over ``checkpoints/<name>.note``, which must be in the export."""
    for token in sorted((directory / "checkpoints").glob("*.tsr")):
        if not token.with_suffix(".note").is_file():
            raise Failure("timestamp-orphan", f"{token.name}: {token.with_suffix('.note').name} is not in the export")


def check_checkpoints_agree(checkpoints: list[Checkpoint]) -> None:
    by_size: dict[int, Checkpoint] = {}
    for checkpoint in checkpoints:
        if checkpoint.origin != checkpoints[0].origin:
            raise Failure("checkpoint-origin-mismatch", f"{checkpoint.file}: origin {checkpoint.origin!r}")
        seen = by_size.setdefault(checkpoint.size, checkpoint)
        if seen.root != checkpoint.root:
            raise Failure("checkpoint-fork", f"{seen.file} and {checkpoint.file}: two roots for one size")


def check_against_log(checkpoints: list[Checkpoint], tree: Tree, log_size: int) -> int:
    """Each checkpoint's root recomputed from the records; successive checkpoints proven consistent."""
    proven, previous = 0, None
    for checkpoint in sorted(checkpoints, key=lambda c: c.size):
        if checkpoint.size > log_size:
            raise Failure("log-shorter-than-checkpoint", f"{checkpoint.file} attests {checkpoint.size} > {log_size}")
        if tree.range_hash(0, checkpoint.size) != checkpoint.root:
            raise Failure("checkpoint-root-mismatch", f"{checkpoint.file}: root differs from the records")
        if previous is not None and 0 < previous.size < checkpoint.size:
            proof = tree.consistency(previous.size, checkpoint.size)
            try:
                check_consistency(previous.size, checkpoint.size, proof, previous.root, checkpoint.root)
            except Failure as exc:
                raise Failure("checkpoint-inconsistent", f"{previous.file} → {checkpoint.file}: {exc}") from exc
            proven += 1
        previous = checkpoint
    return proven


# --- the log's own records: anchors and key activations ----------------------------------------------

ANCHOR_DATA = frozenset({"size", "root", "note_sha256", "key_fingerprint", "token_sha256", "gen_time", "tsa_url"})
CLOCK_SKEW = timedelta(seconds=60)  # how far the service's and the TSA's clocks may disagree (SPEC.md §6 step 9)


@dataclass(frozen=True)
class Anchor:
    """An anchor record checked against its checkpoint: its index, the size anchored, the token's genTime."""

    index: int
    size: int
    gen_time: datetime | None


def _sha256_file(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _anchor_size(record: dict[str, object], where: str) -> tuple[int, dict[str, object]]:
    """The size an anchor record anchors, after its data members, subject and index are checked."""
    data = record["data"]
    if not isinstance(data, dict) or set(data) != ANCHOR_DATA:
        raise Failure("anchor-mismatch", f"{where}: data must have exactly {', '.join(sorted(ANCHOR_DATA))}")
    size = data["size"]
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise Failure("anchor-mismatch", f"{where}: data.size must be an integer ≥ 0")
    if record["subject"] != {"type": "audit_log", "id": str(size)}:
        raise Failure("anchor-mismatch", f"{where}: subject must be audit_log {size}, not {record['subject']}")
    if int(str(record["index"])) < size:
        raise Failure("anchor-mismatch", f"{where}: it lies inside checkpoint {size}, which it cannot anchor")
    return size, data


def _anchored_token(record: dict[str, object], data: dict[str, object], token: Path, where: str) -> datetime | None:
    """The token file against the anchor: SHA-256, action, ``gen_time`` and ``tsa_url``; its genTime."""
    if _sha256_file(token) != data["token_sha256"]:
        raise Failure("anchor-mismatch", f"{where}: checkpoints/{token.name} is not the anchored token")
    if record["action"] != ("audit:anchored" if data["token_sha256"] is not None else "audit:checkpoint"):
        raise Failure("anchor-mismatch", f"{where}: {record['action']} does not say whether a token was anchored")
    if data["token_sha256"] is None:
        if data["gen_time"] is not None or data["tsa_url"] is not None:
            raise Failure("anchor-mismatch", f"{where}: gen_time and tsa_url must be null without a token")
        return None
    response = token.read_bytes()
    try:
        same = same_gen_time(data["gen_time"], response)
    except ValueError as exc:
        raise Failure("timestamp-invalid", f"{token.name}: {exc}") from exc
    if not same:
        raise Failure("anchor-mismatch", f"{where}: gen_time {data['gen_time']!r} is not the token's genTime")
    if not isinstance(data["tsa_url"], str) or not data["tsa_url"]:
        raise Failure("anchor-mismatch", f"{where}: tsa_url must name the TSA that issued the token")
    return token_gen_time(response)


def check_anchors(own: list[dict[str, object]], directory: Path, exported: dict[str, Checkpoint]) -> list[Anchor]:
    """Each anchor record says what its checkpoint is (SPEC.md §6 step 6): the exported note and token, their
    SHA-256, the root, the signing key, the token's genTime and TSA; and it comes after the records it anchors."""
    anchors = []
    for record in (record for record in own if record["action"] in ANCHOR_ACTIONS):
        where = f"anchor record {record['index']}"
        size, data = _anchor_size(record, where)
        note = directory / "checkpoints" / f"{size}.note"
        if not note.is_file():
            raise Failure("checkpoint-missing", f"{where}: checkpoints/{size}.note is not in the export")
        if _sha256_file(note) != data["note_sha256"]:
            raise Failure("anchor-mismatch", f"{where}: checkpoints/{size}.note is not the anchored note")
        checkpoint = exported[note.name]
        if data["root"] != checkpoint.root.hex():
            raise Failure("anchor-mismatch", f"{where}: data.root is not the root of checkpoint {size}")
        if data["key_fingerprint"] not in checkpoint.signers:
            raise Failure("anchor-mismatch", f"{where}: key_fingerprint is not a listed key that signed {note.name}")
        gen_time = _anchored_token(record, data, note.with_suffix(".tsr"), where)
        anchors.append(Anchor(int(str(record["index"])), size, gen_time))
    return anchors


def _activation_expected(key: LogKey, replaces: str | None) -> tuple[object, object]:
    data = {"key_name": key.name, "vkey": key.vkey, "fingerprint": key.fingerprint, "replaces": replaces}
    return {"type": "checkpoint_key", "id": key.fingerprint}, data


def check_key_activations(own: list[dict[str, object]], keys: list[LogKey], log_size: int) -> int:
    """Both ways (SPEC.md §6 step 7): every listed key within the log has its activation record at its
    valid_from_index, exactly as §7 writes it (``key-not-logged``), and every activation record is a listed key's
    (``key-not-listed``: keys.json would hide a key the log says was used)."""
    activations = [record for record in own if record["action"] == KEY_ACTIVATED]
    by_index = {record["index"]: record for record in activations}
    previous: str | None = None
    for key in sorted(keys, key=lambda key: key.valid_from_index):
        record = by_index.get(key.valid_from_index) if key.valid_from_index < log_size else None
        if key.valid_from_index < log_size and (
            record is None or (record["subject"], record["data"]) != _activation_expected(key, previous)
        ):
            raise Failure(
                "key-not-logged",
                f"key {key.name} ({key.fingerprint[:16]}…) has no activation record at index {key.valid_from_index}"
                " with its subject, key name, vkey, fingerprint and the key it replaces",
            )
        previous = key.fingerprint
    listed = {(key.valid_from_index, key.fingerprint) for key in keys}
    for record in activations:
        data = record["data"]
        if not isinstance(data, dict) or (record["index"], data.get("fingerprint")) not in listed:
            raise Failure("key-not-listed", f"activation record {record['index']}: its key is not in keys.json there")
    return len(activations)


def _stamped(directory: Path, exported: dict[str, Checkpoint]) -> dict[str, tuple[int, datetime]]:
    """Each exported note with a token: (its size, the token's genTime), read from the token's DER."""
    found = {}
    for name, checkpoint in exported.items():
        token = directory / "checkpoints" / name.replace(".note", ".tsr")
        if token.is_file():
            try:
                found[name] = (checkpoint.size, token_gen_time(token.read_bytes()))
            except ValueError as exc:
                raise Failure("timestamp-invalid", f"{token.name}: {exc}") from exc
    return found


def _claimed(time: str) -> datetime:
    return datetime.fromisoformat(time[:-1]).replace(tzinfo=UTC)


def check_time_bounds(
    stamped: dict[str, tuple[int, datetime]], anchors: list[Anchor], records: Records, verified: bool
) -> str:
    """SPEC.md §6 step 9: a time-stamped checkpoint of size n bounds what came before it. No record below n may
    claim a ``time`` later than the token's genTime (``time-beyond-timestamp``), and no anchor record below n may
    carry a later genTime than it (``timestamp-order``), each give or take CLOCK_SKEW."""
    for name, (size, gen_time) in sorted(stamped.items(), key=lambda item: item[1]):
        latest = records.latest_before.get(size, "")
        if latest and _claimed(latest) > gen_time + CLOCK_SKEW:
            raise Failure(
                "time-beyond-timestamp",
                f"a record below {size} claims {latest}, after the genTime {gen_time:%Y-%m-%dT%H:%M:%SZ} of {name}",
            )
        for anchor in anchors:
            if anchor.index < size and anchor.gen_time is not None and anchor.gen_time > gen_time + CLOCK_SKEW:
                raise Failure(
                    "timestamp-order",
                    f"{name} (genTime {gen_time:%Y-%m-%dT%H:%M:%SZ}) covers anchor record {anchor.index}, whose "
                    f"token says {anchor.gen_time:%Y-%m-%dT%H:%M:%SZ}",
                )
    if not stamped:
        return "time: no time-stamped checkpoint, no bound on the records' claimed times"
    return (
        f"time: the records below each of {len(stamped)} time-stamped checkpoints claim no time after its genTime, "
        f"and the tokens agree with the anchors' order (±{CLOCK_SKEW.seconds} s); records after an anchor were "
        "appended after its genTime (their claimed times are not bounded below, SPEC.md §7)"
        + ("" if verified else "; the genTimes are those of tokens NOT CHECKED (no --tsa-ca)")
    )


# --- timestamps and the log command --------------------------------------------------------------------


def check_timestamps(directory: Path, tsa_ca: Path | None) -> str:
    tokens = sorted((directory / "checkpoints").glob("*.tsr"))
    if not tokens:
        return "timestamps: none present"
    if tsa_ca is None:
        return f"timestamps: {len(tokens)} tokens NOT CHECKED (pass --tsa-ca with the TSA roots you trust)"
    trust = ["-CAfile", str(tsa_ca)]
    chain = directory / "tsa" / "chain.pem"
    if chain.exists():
        trust += ["-untrusted", str(chain)]
    at_gen_time = 0
    for token in tokens:
        try:
            if verify_token(token.with_suffix(".note"), token, trust) is not None:
                at_gen_time += 1
        except ValueError as exc:
            raise Failure("timestamp-invalid", f"{token.name}: {str(exc)[-200:]}") from exc
    line = f"timestamps: {len(tokens)} RFC 3161 tokens verified by openssl ts -verify over the note bytes"
    if at_gen_time:
        line += f" ({at_gen_time} at their genTime, -attime: {GEN_TIME_NOTE}; {UNREVOKED_NOTE})"
    return line


def coverage_line(checkpoints: list[Checkpoint], log_size: int) -> str:
    """What no signature covers (SPEC.md §8): the records after the newest checkpoint, its own anchor among them."""
    newest = max((checkpoint.size for checkpoint in checkpoints), default=0)
    if newest == log_size:
        return f"coverage: all {log_size} records are in a signed checkpoint"
    return (
        f"coverage: records 0..{newest - 1} are in checkpoint {newest}; records {newest}..{log_size - 1} "
        f"({log_size - newest}) are covered by no checkpoint (SPEC.md §8)"
    )


def verify_log(directory: Path, tsa_ca: Path | None, given: Sequence[Path] = ()) -> list[str]:
    """``given``: checkpoint notes held from elsewhere, checked like the export's own (signature, origin, fork,
    size within the log, root, consistency), so a log cut after its last exported checkpoint still fails."""
    keys = load_keys(directory / "keys.json")
    check_tokens_have_notes(directory)
    exported = {path.name: load_checkpoint(path, keys) for path in sorted((directory / "checkpoints").glob("*.note"))}
    held = [load_checkpoint(path, keys, given=True) for path in given]
    checkpoints = [*exported.values(), *held]
    if checkpoints:
        check_checkpoints_agree(checkpoints)
    sizes = {c.size for name, c in exported.items() if (directory / "checkpoints" / name).with_suffix(".tsr").is_file()}
    records = read_records(directory / "records.jsonl", checkpoints[0].origin if checkpoints else None, sizes)
    leaves = records.leaves
    proven = check_against_log(checkpoints, Tree(leaves), len(leaves))
    given_line = [f"given: {len(held)} checkpoints ({', '.join(c.file for c in held)}) signed, no fork, within the log"]
    anchors = check_anchors(records.own, directory, exported)
    activations = check_key_activations(records.own, keys, len(leaves))
    timestamps = check_timestamps(directory, tsa_ca)
    return [
        f"keys: {len(keys)} ({', '.join(k.name for k in keys)}), fingerprints match their vkeys",
        f"records: {len(leaves)} canonical (RFC 8785), indexes 0..{len(leaves) - 1}, prev chain intact",
        f"checkpoints: {len(exported)} signed notes for origin {records.origin!r}, no fork, none beyond the log",
        *(given_line if held else []),
        f"tree: roots recomputed from the records at {len({c.size for c in checkpoints})} checkpoint sizes"
        + (f" ({min(c.size for c in checkpoints)}..{max(c.size for c in checkpoints)})" if checkpoints else ""),
        f"consistency: {proven} proofs between successive checkpoints verified",
        f"anchors: {len(anchors)} anchor records match their checkpoint (note, token, root, key, genTime, TSA)",
        f"keys: {activations} activation records, each a listed key's; every listed key activated at its "
        "valid_from_index",
        timestamps,
        check_time_bounds(_stamped(directory, exported), anchors, records, verified=tsa_ca is not None),
        coverage_line(checkpoints, len(leaves)),
    ]
