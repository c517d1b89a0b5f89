"""The checks of an exported audit log (``verify.py log``, audit/SPEC.md §6) and of the public vectors
(``verify.py vectors``), and the helpers ``verify_dossier.py`` shares: records, Merkle proofs, signed notes,
RFC 3161 tokens.

Part of the standalone verifier (``verify.py`` is its command line): imports nothing from ``notice_service``,
only the standard library, ``cryptography`` (Ed25519) and ``rfc8785`` (JSON canonicalisation).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

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


def check_record(line: bytes, position: int, prev: str, origin: str) -> tuple[bytes, dict[str, object]]:
    """Check one record line against its position and predecessor; answer its leaf hash and the record."""
    where = f"record {position}"
    record, fast = _parse_canonical(line, where)
    check_members(record, values=not fast, where=where)
    if record["log"] != origin:
        raise Failure("record-wrong-log", f"{where}: log {record['log']!r}, expected {origin!r}")
    if record["index"] != position or isinstance(record["index"], bool):
        raise Failure("index-sequence", f"{where}: index {record['index']!r} where {position} was expected")
    if record["prev"] != prev:
        raise Failure("prev-mismatch", f"{where}: prev is not the leaf hash of record {position - 1}")
    return hashlib.sha256(b"\x00" + line).digest(), record


def read_records(path: Path, origin: str) -> tuple[list[bytes], list[dict[str, object]]]:
    """Leaf hashes of every record, after the canonical-form, index and prev-chain checks; and the log's own
    records (anchors and key activations, SPEC.md §7)."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        raise Failure("records-file-malformed", "records.jsonl must end with a newline")
    leaves: list[bytes] = []
    own: list[dict[str, object]] = []
    prev = GENESIS_PREV
    for position, line in enumerate(data.split(b"\n")[:-1] if data else []):
        leaf, record = check_record(line, position, prev, origin)
        prev = leaf.hex()
        leaves.append(leaf)
        if record["action"] in OWN_ACTIONS:
            own.append(record)
    return leaves, own


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


def _sha256_file(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def check_anchors(own: list[dict[str, object]], directory: Path) -> int:
    """Each anchor record names a checkpoint size and the SHA-256 of its note and token: the exported files."""
    anchors = 0
    for record in own:
        data = record["data"]
        if record["action"] not in ANCHOR_ACTIONS or not isinstance(data, dict):
            continue
        size, where = data.get("size"), f"anchor record {record['index']}"
        if not isinstance(size, int) or isinstance(size, bool):
            raise Failure("record-format", f"{where}: data.size must be an integer")
        note_sha = _sha256_file(directory / "checkpoints" / f"{size}.note")
        if note_sha is None:
            raise Failure("checkpoint-missing", f"{where}: checkpoints/{size}.note is not in the export")
        if note_sha != data.get("note_sha256"):
            raise Failure("anchor-mismatch", f"{where}: checkpoints/{size}.note is not the anchored note")
        if _sha256_file(directory / "checkpoints" / f"{size}.tsr") != data.get("token_sha256"):
            raise Failure("anchor-mismatch", f"{where}: checkpoints/{size}.tsr is not the anchored token")
        anchors += 1
    return anchors


def check_key_activations(own: list[dict[str, object]], keys: list[LogKey], log_size: int) -> int:
    """Every key of keys.json was activated by a record at its valid_from_index, with its fingerprint and vkey
    (a key listed from an index the export does not reach yet has nothing to check)."""
    activations = {
        record["index"]: record["data"]
        for record in own
        if record["action"] == KEY_ACTIVATED and isinstance(record["data"], dict)
    }
    for key in (key for key in keys if key.valid_from_index < log_size):
        data = activations.get(key.valid_from_index)
        if data is None or data.get("fingerprint") != key.fingerprint or data.get("vkey") != key.vkey:
            raise Failure(
                "key-not-logged",
                f"key {key.name} ({key.fingerprint[:16]}…) has no activation record at index {key.valid_from_index}",
            )
    return len(activations)


# --- timestamps and the log command --------------------------------------------------------------------

SIGNED_DATA_OID = bytes.fromhex("2a864886f70d010702")  # 1.2.840.113549.1.7.2 (OID contents, without tag)
TST_INFO_OID = bytes.fromhex("2a864886f70d0109100104")  # 1.2.840.113549.1.9.16.1.4
SEQUENCE, OID, OCTET_STRING, GENERALIZED_TIME, EXPLICIT_0 = 0x30, 0x06, 0x04, 0x18, 0xA0
GEN_TIME_FORMAT = re.compile(r"(\d{14})(?:\.\d*[1-9])?Z")
VALIDITY_ERRORS = ("certificate has expired", "certificate is not yet valid")  # OpenSSL's X509_V_ERR_CERT_… texts
GEN_TIME_NOTE = "a TSA certificate has expired since, or is not yet valid by this machine's clock"
UNREVOKED_NOTE = "revocation was not checked"


def _der_element(data: bytes, start: int, end: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER element at ``start``, within ``end``. Definite lengths only,
    as DER requires (BER's indefinite lengths are refused)."""
    if start + 2 > end:
        raise ValueError("element missing")
    tag, length, start = data[start], data[start + 1], start + 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4:
            raise ValueError("not DER (indefinite or oversized length)")
        length, start = int.from_bytes(data[start : start + count], "big"), start + count
    if start + length > end:
        raise ValueError("truncated DER element")
    return tag, start, start + length


def _der_child(data: bytes, bounds: tuple[int, int], index: int, tag: int) -> tuple[int, int]:
    """Content bounds of the ``index``-th element within ``bounds``, which must carry ``tag``."""
    start, end = bounds
    for _ in range(index):
        start = _der_element(data, start, end)[2]
    found, start, stop = _der_element(data, start, end)
    if found != tag:
        raise ValueError(f"element {index} has tag {found:#04x}, expected {tag:#04x}")
    return start, stop


def token_gen_time(response: bytes) -> datetime:
    """The genTime of a ``TimeStampResp`` (DER): TimeStampResp → timeStampToken (ContentInfo, signedData) →
    SignedData → encapContentInfo (id-ct-TSTInfo) → eContent → TSTInfo → genTime (RFC 3161 §2.4, RFC 5652 §5).

    Read from the very DER whose signature ``openssl ts -verify`` checks, not from the display format of
    ``openssl ts -reply -text`` (month names, fractions, versions); ``ValueError`` for any other structure."""
    try:
        token = _der_child(response, _der_child(response, (0, len(response)), 0, SEQUENCE), 1, SEQUENCE)
        if response[slice(*_der_child(response, token, 0, OID))] != SIGNED_DATA_OID:
            raise ValueError("the token is not CMS SignedData")
        signed_data = _der_child(response, _der_child(response, token, 1, EXPLICIT_0), 0, SEQUENCE)
        encapsulated = _der_child(response, signed_data, 2, SEQUENCE)  # after version and digestAlgorithms
        if response[slice(*_der_child(response, encapsulated, 0, OID))] != TST_INFO_OID:
            raise ValueError("the token does not encapsulate a TSTInfo")
        content = _der_child(response, _der_child(response, encapsulated, 1, EXPLICIT_0), 0, OCTET_STRING)
        tst_info = _der_child(response, content, 0, SEQUENCE)
        gen_time = response[slice(*_der_child(response, tst_info, 4, GENERALIZED_TIME))]  # after the serial
    except ValueError as exc:
        raise ValueError(f"no genTime readable in the token: {exc}") from exc
    match = GEN_TIME_FORMAT.fullmatch(gen_time.decode("ascii", "replace"))
    if match is None:
        raise ValueError(f"the token's genTime {gen_time!r} is not YYYYMMDDhhmmss[.f]Z")
    return datetime.strptime(match.group(1), "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def _openssl_ts_verify(data: Path, token: Path, trust: Sequence[str], at: datetime | None = None) -> str | None:
    """None when ``openssl ts -verify`` accepts the token (at ``at``, default now), else its output."""
    command = ["openssl", "ts", "-verify", "-data", str(data), "-in", str(token), *trust]
    if at is not None:
        command += ["-attime", str(int(at.timestamp()))]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    output = (done.stdout + done.stderr).strip()
    return None if done.returncode == 0 and "Verification: OK" in done.stdout else output


def verify_token(data: Path, token: Path, trust: Sequence[str]) -> datetime | None:
    """Check a ``TimeStampResp`` over ``data``'s bytes with ``openssl ts -verify`` and the ``trust`` options.

    The TSA chain is validated at the current time first. Only when OpenSSL refuses it because a certificate is
    outside its validity period (expired, not yet valid) is it validated again at the token's genTime
    (``-attime``): the answer is then that genTime, else None. Any other refusal, and a refusal at genTime too,
    raises ``ValueError`` with OpenSSL's output (its last words last). Revocation is not checked."""
    output = _openssl_ts_verify(data, token, trust)
    if output is None:
        return None
    now_problem = next((problem for problem in VALIDITY_ERRORS if f"Verify error:{problem}" in output), None)
    if now_problem is None:
        raise ValueError(output)
    try:
        gen_time = token_gen_time(token.read_bytes())
    except ValueError as exc:
        raise ValueError(f"{output} (not retried at genTime: {exc})") from exc
    at_gen_time = _openssl_ts_verify(data, token, trust, gen_time)
    if at_gen_time is not None:
        raise ValueError(f"{at_gen_time} (at genTime {gen_time:%Y-%m-%dT%H:%M:%SZ} with -attime; now: {now_problem})")
    return gen_time


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


def verify_log(directory: Path, tsa_ca: Path | None, given: Sequence[Path] = ()) -> list[str]:
    """``given``: checkpoint notes held from elsewhere, checked like the export's own (signature, origin, fork,
    size within the log, root, consistency), so a log cut after its last exported checkpoint still fails."""
    keys = load_keys(directory / "keys.json")
    check_tokens_have_notes(directory)
    notes = sorted((directory / "checkpoints").glob("*.note"))
    exported = [load_checkpoint(path, keys) for path in notes]
    held = [load_checkpoint(path, keys, given=True) for path in given]
    checkpoints = [*exported, *held]
    if checkpoints:
        check_checkpoints_agree(checkpoints)
    origin = checkpoints[0].origin if checkpoints else None
    records_path = directory / "records.jsonl"
    if origin is None:  # no checkpoint: the first record names the log
        first = records_path.read_bytes().split(b"\n", 1)[0]
        try:
            origin = str(json.loads(first)["log"]) if first else ""
        except (ValueError, TypeError, KeyError) as exc:
            raise Failure("record-not-json", f"record 0: {exc!r}") from exc
    leaves, own = read_records(records_path, origin)
    proven = check_against_log(checkpoints, Tree(leaves), len(leaves))
    given_line = [f"given: {len(held)} checkpoints ({', '.join(c.file for c in held)}) signed, no fork, within the log"]
    anchors, activations = check_anchors(own, directory), check_key_activations(own, keys, len(leaves))
    return [
        f"keys: {len(keys)} ({', '.join(k.name for k in keys)}), fingerprints match their vkeys",
        f"records: {len(leaves)} canonical (RFC 8785), indexes 0..{len(leaves) - 1}, prev chain intact",
        f"checkpoints: {len(exported)} signed notes for origin {origin!r}, no fork, none beyond the log",
        *(given_line if held else []),
        f"tree: roots recomputed from the records at {len({c.size for c in checkpoints})} checkpoint sizes"
        + (f" ({min(c.size for c in checkpoints)}..{max(c.size for c in checkpoints)})" if checkpoints else ""),
        f"consistency: {proven} proofs between successive checkpoints verified",
        f"anchors: {anchors} anchor records match the exported notes and tokens (SHA-256)",
        f"keys: {activations} activation records; every listed key activated at its valid_from_index",
        check_timestamps(directory, tsa_ca),
    ]
