"""Checkpoints: C2SP tlog-checkpoint bodies carried in C2SP signed notes, signed with Ed25519.

A note is its text (the checkpoint body, ``origin\\n<size>\\n<base64 root>\\n`` plus optional extension
lines), a blank line, then one line per signature: ``— <key name> <base64(key id || signature)>\\n`` (an em
dash U+2014 and a space). For Ed25519 the key id is the first 4 bytes of
``SHA-256(key name || 0x0A || 0x01 || public key)`` and the signature covers the text bytes exactly.
Verifier keys travel as ``<name>+<hex key id>+<base64(0x01 || public key)>`` (the note "vkey" format).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519_ALGORITHM = 0x01
SIGNATURE_PREFIX = "— "
MAX_SIGNATURES = 100
_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")
_KEY_NAME = re.compile(r"[^\s+]+")
_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}")


class CheckpointError(ValueError):
    """A note or checkpoint is refused; ``reason`` is a stable name."""

    reason = "checkpoint-error"


class MalformedNoteError(CheckpointError):
    reason = "malformed-note"


class UnknownKeyError(CheckpointError):
    reason = "unknown-key"


class BadSignatureError(CheckpointError):
    reason = "bad-signature"


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()


def _raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _check_key_name(name: str) -> None:
    if not _KEY_NAME.fullmatch(name):
        raise ValueError(f"key name {name!r} must be non-empty, without spaces or '+'")


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """The 4-byte signed-note key id of an Ed25519 key."""
    _check_key_name(name)
    material = name.encode() + b"\n" + bytes([ED25519_ALGORITHM]) + _raw_public_key(public_key)
    return hashlib.sha256(material).digest()[:4]


def verifier_key_string(name: str, public_key: Ed25519PublicKey) -> str:
    """The note vkey: ``<name>+<hex key id>+<base64(0x01 || public key)>``."""
    key_data = bytes([ED25519_ALGORITHM]) + _raw_public_key(public_key)
    return f"{name}+{key_id(name, public_key).hex()}+{base64.b64encode(key_data).decode()}"


def parse_verifier_key(vkey: str) -> tuple[str, Ed25519PublicKey]:
    """Read a vkey back, split at its first two ``+`` (the base64 part may hold ``+``): a name without whitespace,
    8 lowercase hex digits of key id, the key; checks the algorithm byte and that the key id matches."""
    name, _, rest = vkey.partition("+")
    id_hex, _, data_b64 = rest.partition("+")
    if not _KEY_NAME.fullmatch(name) or not _KEY_ID_HEX.fullmatch(id_hex):
        raise MalformedNoteError("vkey is not <name>+<8 lowercase hex digits>+<base64>")
    try:
        key_data = base64.b64decode(data_b64, validate=True)
        claimed_id = bytes.fromhex(id_hex)
    except (binascii.Error, ValueError) as exc:
        raise MalformedNoteError(f"vkey is not name+hex+base64: {exc}") from exc
    if len(key_data) != 33 or key_data[0] != ED25519_ALGORITHM:
        raise MalformedNoteError("vkey is not an Ed25519 key (0x01 followed by 32 bytes)")
    public_key = Ed25519PublicKey.from_public_bytes(key_data[1:])
    if key_id(name, public_key) != claimed_id:
        raise MalformedNoteError("vkey key id does not match its name and key")
    return name, public_key


def key_fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 hex of the vkey's raw key bytes (``0x01 || public key``), for out-of-band comparison."""
    return hashlib.sha256(bytes([ED25519_ALGORITHM]) + _raw_public_key(public_key)).hexdigest()


def format_checkpoint_body(origin: str, size: int, root: bytes) -> bytes:
    """The tlog-checkpoint note text: origin, decimal size, base64 root, each ending in a newline."""
    if not origin or "\n" in origin or origin != origin.strip():
        raise ValueError("origin must be one non-empty line without surrounding spaces")
    if size < 0 or len(root) != 32:
        raise ValueError("size must be ≥ 0 and root 32 bytes")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n".encode()


def sign_checkpoint(body: bytes, key_name: str, private_key: Ed25519PrivateKey) -> bytes:
    """The signed note: ``body``, a blank line, one signature line; ``MalformedNoteError`` for a body the
    verifiers would refuse (``_parse_body``: not bytes, control characters, an empty extension line …)."""
    _parse_body(body)
    blob = key_id(key_name, private_key.public_key()) + private_key.sign(body)
    return body + b"\n" + f"{SIGNATURE_PREFIX}{key_name} {base64.b64encode(blob).decode()}\n".encode()


def _split_note(note: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """Text and (key name, signature blob) pairs; the signature block follows the last blank line."""
    try:
        decoded = note.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedNoteError("note is not UTF-8") from exc
    cut = decoded.rfind("\n\n")
    if cut < 0 or not decoded.endswith("\n"):
        raise MalformedNoteError("note has no signature block")
    text, block = decoded[: cut + 1], decoded[cut + 2 :]
    if _has_control_character(decoded):
        raise MalformedNoteError("note contains control characters")
    lines = block.removesuffix("\n").split("\n")
    if not 0 < len(lines) <= MAX_SIGNATURES:
        raise MalformedNoteError("note has no or too many signature lines")
    return text.encode(), [_parse_signature_line(line) for line in lines]


def _parse_signature_line(line: str) -> tuple[str, bytes]:
    if not line.startswith(SIGNATURE_PREFIX):
        raise MalformedNoteError(f"signature line does not start with an em dash: {line!r}")
    name, space, sig_b64 = line[len(SIGNATURE_PREFIX) :].partition(" ")
    try:
        blob = base64.b64decode(sig_b64, validate=True)
    except binascii.Error as exc:
        raise MalformedNoteError("signature is not base64") from exc
    if not space or not _KEY_NAME.fullmatch(name) or len(blob) < 5:
        raise MalformedNoteError(f"malformed signature line: {line!r}")
    return name, blob


def _has_control_character(text: str) -> bool:
    """An ASCII control character other than newline (0x00–0x1F but 0x0A; SPEC §4, C2SP signed-note)."""
    return any(ch < " " and ch != "\n" for ch in text)


def _parse_body(text: bytes) -> Checkpoint:
    """The checkpoint of a note text (SPEC §4): bytes, UTF-8, no control character but newline, origin, size,
    root and non-empty extension lines, each ending in a newline."""
    if not isinstance(text, bytes):
        raise MalformedNoteError(f"a checkpoint body is bytes, not {type(text).__name__}")
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedNoteError("checkpoint is not UTF-8") from exc
    if _has_control_character(decoded):
        raise MalformedNoteError("checkpoint contains control characters")
    lines = decoded.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise MalformedNoteError("checkpoint needs origin, size and root lines")
    origin, size, root_b64, *extensions = lines[:-1]
    if not origin or not _SIZE.fullmatch(size):
        raise MalformedNoteError("bad origin or size line")
    if any(not line for line in extensions):
        raise MalformedNoteError("an extension line is empty (C2SP tlog-checkpoint: extension lines are non-empty)")
    try:
        root = base64.b64decode(root_b64, validate=True)
    except binascii.Error as exc:
        raise MalformedNoteError("root is not base64") from exc
    if len(root) != 32:
        raise MalformedNoteError("root is not 32 bytes")
    return Checkpoint(origin, int(size), root, tuple(extensions))


def read_checkpoint(note: bytes) -> Checkpoint:
    """The checkpoint a note claims, its signatures not checked (``MalformedNoteError`` for a malformed note)."""
    text, _ = _split_note(note)
    return _parse_body(text)


def parse_and_verify_checkpoint(note: bytes, verifiers: Mapping[str, Ed25519PublicKey]) -> Checkpoint:
    """Verify the note with the known keys (name → key) and parse its checkpoint.

    Lines from unknown keys are ignored, but at least one known key must sign, and a known key's bad
    signature refuses the whole note.
    """
    text, signatures = _split_note(note)
    verified = 0
    for name, blob in signatures:
        public_key = verifiers.get(name)
        if public_key is None or blob[:4] != key_id(name, public_key):
            continue
        try:
            public_key.verify(blob[4:], text)
        except InvalidSignature as exc:
            raise BadSignatureError(f"signature by {name} does not verify") from exc
        verified += 1
    if not verified:
        raise UnknownKeyError("no signature by a known key")
    return _parse_body(text)
