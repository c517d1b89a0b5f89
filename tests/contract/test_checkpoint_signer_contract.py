"""The ``CheckpointSigner`` contract: what the audit use cases rely on when they sign a checkpoint, for every signer.

``CHECKPOINT_SIGNERS`` maps a name to a factory ``(key_name, directory) -> CheckpointSigner``: today the Ed25519 key
in a PEM file, generated as the embedded profile generates it; an HSM signer joins by adding an entry.

The signed note is checked twice: by the service's own verifier (``parse_and_verify_checkpoint``, which ``audit
verify`` runs) and independently, from the C2SP signed-note specification (key id, signature line, Ed25519 over the
note text):

* ``key_name`` is a valid note key name, ``public_key()`` a stable Ed25519 key whose vkey round-trips;
* ``sign_note(body)`` is the body, a blank line and one signature line by ``key_name`` that verifies with
  ``public_key()`` over exactly the body, and with nothing else;
* a body that is not a tlog checkpoint (C2SP tlog-checkpoint, signed-note) is refused with ``CheckpointError``
  (a ``ValueError``), and no note it signs fails verification.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from notice_service.adapters.signing.ed25519_checkpoint_signer import Ed25519CheckpointSigner, ensure_checkpoint_key
from notice_service.domain.audit.checkpoint import (
    BadSignatureError,
    Checkpoint,
    CheckpointError,
    UnknownKeyError,
    format_checkpoint_body,
    parse_and_verify_checkpoint,
    parse_verifier_key,
    verifier_key_string,
)
from notice_service.ports import CheckpointSigner

KEY_NAME = "notice-service.example/checkpoint"
CheckpointSignerFactory = Callable[[str, Path], CheckpointSigner]
CHECKPOINT_SIGNERS: dict[str, CheckpointSignerFactory] = {
    "ed25519-pem-file": lambda name, directory: Ed25519CheckpointSigner.from_pem_file(
        name, ensure_checkpoint_key(directory)
    ),
}
ORIGIN = "notice-service.example/audit/tenant-1"
ROOT = hashlib.sha256(b"the tree's root").digest()
BODY = format_checkpoint_body(ORIGIN, 42, ROOT)
EM_DASH = "\u2014".encode()


@pytest.fixture(scope="module", params=sorted(CHECKPOINT_SIGNERS))
def signer(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> CheckpointSigner:
    return CHECKPOINT_SIGNERS[request.param](KEY_NAME, tmp_path_factory.mktemp("checkpoint-key"))


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _signature_lines(note: bytes, body: bytes) -> list[bytes]:
    assert note.startswith(body + b"\n"), "the note is the body, then a blank line"
    block = note[len(body) + 1 :]
    assert block.endswith(b"\n")
    return block[:-1].split(b"\n")


# ------------------------------------------------------------------------------------------------ the key


def test_the_key_name_is_a_note_key_name(signer: CheckpointSigner) -> None:
    assert re.fullmatch(r"[^\s+]+", signer.key_name), signer.key_name
    assert signer.key_name == KEY_NAME


def test_the_public_key_is_one_stable_ed25519_key(signer: CheckpointSigner) -> None:
    first, second = signer.public_key(), signer.public_key()

    assert isinstance(first, Ed25519PublicKey)
    assert _raw(first) == _raw(second)


def test_the_vkey_round_trips(signer: CheckpointSigner) -> None:
    name, public_key = parse_verifier_key(verifier_key_string(signer.key_name, signer.public_key()))

    assert name == signer.key_name
    assert _raw(public_key) == _raw(signer.public_key())


# ------------------------------------------------------------------------------------------------ the note


def test_the_note_is_the_body_and_one_signature_line_by_the_key(signer: CheckpointSigner) -> None:
    note = signer.sign_note(BODY)

    (line,) = _signature_lines(note, BODY)
    prefix = EM_DASH + b" " + signer.key_name.encode() + b" "
    assert line.startswith(prefix), line
    blob = base64.b64decode(line[len(prefix) :], validate=True)
    assert len(blob) == 4 + 64


def test_the_signature_follows_the_signed_note_spec(signer: CheckpointSigner) -> None:
    """Independently of the service's code: key id = SHA-256(name || 0x0A || 0x01 || key)[:4], then Ed25519 over
    the note text (the body)."""
    note = signer.sign_note(BODY)
    (line,) = _signature_lines(note, BODY)
    blob = base64.b64decode(line.rsplit(b" ", 1)[1])
    raw = _raw(signer.public_key())

    assert blob[:4] == hashlib.sha256(signer.key_name.encode() + b"\n\x01" + raw).digest()[:4]
    signer.public_key().verify(blob[4:], BODY)
    with pytest.raises(InvalidSignature):
        signer.public_key().verify(blob[4:], BODY.replace(b"\n42\n", b"\n43\n"))


def test_the_services_verifier_reads_the_checkpoint_back(signer: CheckpointSigner) -> None:
    checkpoint = parse_and_verify_checkpoint(signer.sign_note(BODY), {signer.key_name: signer.public_key()})

    assert checkpoint == Checkpoint(ORIGIN, 42, ROOT)


def test_the_signature_holds_for_this_body_only(signer: CheckpointSigner) -> None:
    note = signer.sign_note(BODY)
    other_body = format_checkpoint_body(ORIGIN, 43, ROOT)

    with pytest.raises(BadSignatureError):
        parse_and_verify_checkpoint(other_body + note[len(BODY) :], {signer.key_name: signer.public_key()})


def test_the_signature_holds_for_this_key_only(signer: CheckpointSigner) -> None:
    note = signer.sign_note(BODY)

    with pytest.raises(UnknownKeyError):
        parse_and_verify_checkpoint(note, {signer.key_name: Ed25519PrivateKey.generate().public_key()})
    with pytest.raises(UnknownKeyError):
        parse_and_verify_checkpoint(note, {"someone-else": signer.public_key()})


@pytest.mark.parametrize(
    "body",
    [
        format_checkpoint_body(ORIGIN, 0, hashlib.sha256(b"").digest()),
        format_checkpoint_body(ORIGIN, 10**20 - 1, ROOT),
        format_checkpoint_body("é.example/journal-d'audit", 7, ROOT),
        BODY + b"an extension line\n" + b"another one\n",
    ],
    ids=["empty-tree", "twenty-digit-size", "non-ascii-origin", "extension-lines"],
)
def test_every_well_formed_checkpoint_is_signed_and_reads_back(signer: CheckpointSigner, body: bytes) -> None:
    note = signer.sign_note(body)

    (_line,) = _signature_lines(note, body)
    checkpoint = parse_and_verify_checkpoint(note, {signer.key_name: signer.public_key()})
    assert (
        format_checkpoint_body(checkpoint.origin, checkpoint.size, checkpoint.root)
        + b"".join(extension.encode() + b"\n" for extension in checkpoint.extensions)
        == body
    )


# ------------------------------------------------------------------------------------------------ refusals


ROOT_B64 = base64.b64encode(ROOT)
NOT_CHECKPOINTS: dict[str, bytes] = {
    "empty": b"",
    "not-a-checkpoint": b"Madame, Monsieur,\n",
    "no-final-newline": BODY[:-1],
    "no-root-line": BODY[: BODY.rindex(b"\n", 0, -1) + 1],
    "origin-only": ORIGIN.encode() + b"\n",
    "empty-origin": b"\n42\n" + ROOT_B64 + b"\n",
    "size-with-a-leading-zero": ORIGIN.encode() + b"\n042\n" + ROOT_B64 + b"\n",
    "negative-size": ORIGIN.encode() + b"\n-1\n" + ROOT_B64 + b"\n",
    "root-not-base64": ORIGIN.encode() + b"\n42\nnot base64!\n",
    "root-of-16-bytes": ORIGIN.encode() + b"\n42\n" + base64.b64encode(ROOT[:16]) + b"\n",
    "not-utf-8": b"\xff\xfe\n42\n" + ROOT_B64 + b"\n",
}


@pytest.mark.parametrize("name", sorted(NOT_CHECKPOINTS))
def test_what_is_not_a_checkpoint_is_refused(signer: CheckpointSigner, name: str) -> None:
    with pytest.raises(CheckpointError):
        signer.sign_note(NOT_CHECKPOINTS[name])


CONTROL_CHARACTERS: dict[str, bytes] = {
    "tab-in-the-origin": ORIGIN.encode() + b"\t\n42\n" + ROOT_B64 + b"\n",
    "carriage-return-in-the-origin": ORIGIN.encode() + b"\r\n42\n" + ROOT_B64 + b"\n",
    "nul-in-an-extension": BODY + b"ext\x00ension\n",
}


@pytest.mark.parametrize("name", sorted(CONTROL_CHARACTERS))
def test_no_note_it_signs_fails_verification(signer: CheckpointSigner, name: str) -> None:
    """Control characters other than newline: either refused, or signed into a note that verifies."""
    try:
        note = signer.sign_note(CONTROL_CHARACTERS[name])
    except CheckpointError:
        return
    parse_and_verify_checkpoint(note, {signer.key_name: signer.public_key()})


@pytest.mark.parametrize("kind", ["empty-extension-line", "an-already-signed-note"])
def test_a_body_with_an_empty_line_is_refused(signer: CheckpointSigner, kind: str) -> None:
    body = BODY + b"\n" if kind == "empty-extension-line" else signer.sign_note(BODY)

    with pytest.raises(CheckpointError):
        signer.sign_note(body)


@pytest.mark.parametrize(
    "wrong",
    [
        pytest.param(BODY.decode(), id="str"),
        pytest.param(None, id="None"),
        pytest.param(memoryview(BODY), id="memoryview"),
    ],
)
def test_what_is_not_bytes_is_refused(signer: CheckpointSigner, wrong: object) -> None:
    with pytest.raises(CheckpointError):
        signer.sign_note(wrong)  # type: ignore[arg-type]
