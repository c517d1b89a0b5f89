"""C2SP checkpoints as signed notes: format, Ed25519 signatures, key ids, vkeys and refusals."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from notice_service.domain.audit.checkpoint import (
    BadSignatureError,
    Checkpoint,
    MalformedNoteError,
    UnknownKeyError,
    format_checkpoint_body,
    key_fingerprint,
    key_id,
    parse_and_verify_checkpoint,
    parse_verifier_key,
    sign_checkpoint,
    verifier_key_string,
)

ORIGIN = "notice-service.example/log/tenant-1"
ROOT = hashlib.sha256(b"root").digest()
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))


def _note(size: int = 42, root: bytes = ROOT, name: str = "log-key", key: Ed25519PrivateKey = KEY) -> bytes:
    return sign_checkpoint(format_checkpoint_body(ORIGIN, size, root), name, key)


def test_round_trip() -> None:
    note = _note()
    body, _, signatures = note.partition(b"\n\n")
    assert body + b"\n" == f"{ORIGIN}\n42\n{base64.b64encode(ROOT).decode()}\n".encode()
    assert signatures.startswith("— log-key ".encode())
    assert parse_and_verify_checkpoint(note, {"log-key": KEY.public_key()}) == Checkpoint(ORIGIN, 42, ROOT)


def test_key_id_follows_the_signed_note_spec() -> None:
    raw = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert key_id("log-key", KEY.public_key()) == hashlib.sha256(b"log-key\n\x01" + raw).digest()[:4]
    blob = base64.b64decode(_note().rsplit(b" ", 1)[1])
    assert blob[:4] == key_id("log-key", KEY.public_key())
    assert len(blob) == 4 + 64


def test_vkey_round_trip_and_fingerprint() -> None:
    vkey = verifier_key_string("log-key", KEY.public_key())
    name, id_hex, data = vkey.split("+", 2)
    assert (name, bytes.fromhex(id_hex)) == ("log-key", key_id("log-key", KEY.public_key()))
    assert key_fingerprint(KEY.public_key()) == hashlib.sha256(base64.b64decode(data)).hexdigest()
    parsed_name, parsed_key = parse_verifier_key(vkey)
    assert parsed_name == "log-key"
    assert parsed_key.public_bytes(Encoding.Raw, PublicFormat.Raw) == base64.b64decode(data)[1:]


def test_vkey_with_a_wrong_key_id_is_refused() -> None:
    name, _, data = verifier_key_string("log-key", KEY.public_key()).split("+", 2)
    with pytest.raises(MalformedNoteError):
        parse_verifier_key(f"{name}+00000000+{data}")


def test_wrong_key_is_unknown() -> None:
    with pytest.raises(UnknownKeyError):
        parse_and_verify_checkpoint(_note(key=OTHER), {"log-key": KEY.public_key()})


def test_same_name_other_key_is_unknown_not_verified() -> None:
    with pytest.raises(UnknownKeyError):
        parse_and_verify_checkpoint(_note(), {"log-key": OTHER.public_key()})


@pytest.mark.parametrize(
    ("old", "new"),
    [(b"\n42\n", b"\n43\n"), (base64.b64encode(ROOT)[:4], b"AAAA"), (ORIGIN.encode(), b"other.example/log")],
)
def test_edited_body_fails_the_signature(old: bytes, new: bytes) -> None:
    tampered = _note().replace(old, new, 1)
    assert tampered != _note()
    with pytest.raises(BadSignatureError):
        parse_and_verify_checkpoint(tampered, {"log-key": KEY.public_key()})


def test_unknown_extra_signatures_are_ignored_when_a_known_key_verified() -> None:
    body = format_checkpoint_body(ORIGIN, 7, ROOT)
    witness_line = sign_checkpoint(body, "witness", OTHER).split(b"\n\n", 1)[1]
    note = _note(7) + witness_line
    assert parse_and_verify_checkpoint(note, {"log-key": KEY.public_key()}).size == 7
    with pytest.raises(UnknownKeyError):
        parse_and_verify_checkpoint(sign_checkpoint(body, "witness", OTHER), {"log-key": KEY.public_key()})


def test_known_key_with_bad_signature_refuses_even_if_another_verifies() -> None:
    body = format_checkpoint_body(ORIGIN, 7, ROOT)
    good = sign_checkpoint(body, "log-key", KEY)
    blob = bytearray(base64.b64decode(sign_checkpoint(body, "witness", OTHER).rsplit(b" ", 1)[1]))
    blob[10] ^= 1
    note = good + "— witness ".encode() + base64.b64encode(bytes(blob)) + b"\n"
    keys = {"log-key": KEY.public_key(), "witness": OTHER.public_key()}
    with pytest.raises(BadSignatureError):
        parse_and_verify_checkpoint(note, keys)


@pytest.mark.parametrize(
    "note",
    [
        b"",
        b"no signatures\n",
        _note().replace("—".encode(), b"-"),
        _note().replace(b"\n\n", b"\n"),
        _note().rstrip(b"\n"),
        _note().replace(b"\n42\n", b"\n042\n"),
        _note().replace(b"\n42\n", b"\n-1\n"),
        _note().replace(base64.b64encode(ROOT), b"not base64!"),
        _note() + b"\xff\n",
        _note().replace(b" log-key ", b" log-key\t"),
        f"{ORIGIN}\n42\n\n— log-key AAAA\n".encode(),
    ],
)
def test_malformed_notes_are_refused(note: bytes) -> None:
    with pytest.raises((MalformedNoteError, BadSignatureError, UnknownKeyError)):
        parse_and_verify_checkpoint(note, {"log-key": KEY.public_key()})


def test_malformed_structure_is_named_as_such() -> None:
    with pytest.raises(MalformedNoteError):
        parse_and_verify_checkpoint(_note().replace(b"\n\n", b"\n"), {"log-key": KEY.public_key()})
    with pytest.raises(MalformedNoteError):
        parse_and_verify_checkpoint(_note().replace("—".encode(), b"-"), {"log-key": KEY.public_key()})


@pytest.mark.parametrize(
    ("origin", "size", "root"), [("", 1, ROOT), ("a\nb", 1, ROOT), ("o", -1, ROOT), ("o", 1, b"x")]
)
def test_format_refuses_bad_fields(origin: str, size: int, root: bytes) -> None:
    with pytest.raises(ValueError):
        format_checkpoint_body(origin, size, root)


def test_extension_lines_are_kept() -> None:
    body = format_checkpoint_body(ORIGIN, 3, ROOT) + b"ext line\n"
    checkpoint = parse_and_verify_checkpoint(sign_checkpoint(body, "log-key", KEY), {"log-key": KEY.public_key()})
    assert checkpoint.extensions == ("ext line",)
