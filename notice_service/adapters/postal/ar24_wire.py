"""AR24's wire vocabulary, shared by the adapter and (as the documentation's reading) by its twin: the request
signature and the response encryption, the date format, the mail's status and proof fields.

Request signature (AR24 API documentation, "Getting started"; the documented example is checked by
``tests/unit/providers/test_ar24_wire.py``): ``signature`` = base64 AES-256-CBC (PKCS#7) of the request's ``date``
(``YYYY-MM-DD HH:mm:ss``, Europe/Paris) with key = the hex SHA-256 of the private key (its first 32 characters
as bytes) and IV = the first 16 characters of the hex SHA-256 of that hex digest. A successful answer's body is
base64 AES-256-CBC of the JSON with key = hex SHA-256 of ``date + private key`` and the same IV.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from notice_service.ports import ProofKind

PARIS = ZoneInfo("Europe/Paris")
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

#: The mail's date fields (documented), each one step of the letter's journey: the status we give that step
#: (the names AR24 uses for its proofs and notifications: ``ev`` deposit, ``AR`` reception, ``rf`` refusal,
#: ``ng`` negligence, ``bc`` bounce), and the proof it makes available.
STEPS: tuple[tuple[str, str, ProofKind | None], ...] = (
    ("ts_ev_date", "ev", ProofKind.DEPOSIT),
    ("view_date", "AR", ProofKind.RECEIPT),
    ("refused_date", "rf", ProofKind.REFUSAL),
    ("negligence_date", "ng", ProofKind.NEGLIGENCE),
    ("bounced_date", "bc", None),
)
PROOF_URLS: dict[ProofKind, str] = {
    ProofKind.DEPOSIT: "proof_ev_url",
    ProofKind.RECEIPT: "proof_ar_url",
    ProofKind.REFUSAL: "proof_rf_url",
    ProofKind.NEGLIGENCE: "proof_ng_url",
}


def paris_stamp(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime(DATE_FORMAT)


def parse_stamp(value: object) -> datetime | None:
    """An AR24 date (``YYYY-MM-DD HH:mm:ss``, Paris time) as an aware datetime; ``None`` when absent or bad."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=PARIS)
    except ValueError:
        return None


def _iv(private_key: str) -> bytes:
    hashed = hashlib.sha256(private_key.encode()).hexdigest()
    return hashlib.sha256(hashed.encode()).hexdigest()[:16].encode()


def _aes(key_hex: str, iv: bytes) -> Cipher[modes.CBC]:
    return Cipher(algorithms.AES(key_hex.encode()[:32]), modes.CBC(iv))


def sign(date: str, private_key: str) -> str:
    """The ``signature`` header of a request dated ``date``."""
    return encrypt(date.encode(), hashlib.sha256(private_key.encode()).hexdigest(), _iv(private_key))


def encrypt(data: bytes, key_hex: str, iv: bytes) -> str:
    padder = padding.PKCS7(128).padder()
    encryptor = _aes(key_hex, iv).encryptor()
    return base64.b64encode(encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()).decode()


def decrypt(text: str, key_hex: str, iv: bytes) -> bytes | None:
    """``None`` when ``text`` is not a ciphertext under that key (a wrong private key, or not encrypted)."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        decryptor = _aes(key_hex, iv).decryptor()
        padded = decryptor.update(raw) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return unpadder.update(padded) + unpadder.finalize()
    except (ValueError, binascii.Error):
        return None


def response_key(date: str, private_key: str) -> tuple[str, bytes]:
    """The key and IV of an answer to a request dated ``date``."""
    return hashlib.sha256((date + private_key).encode()).hexdigest(), _iv(private_key)


def signed_date(signature: str, private_key: str) -> str | None:
    """The date a ``signature`` header signs (the twin's check), ``None`` if it was not made with this key."""
    plain = decrypt(signature, hashlib.sha256(private_key.encode()).hexdigest(), _iv(private_key))
    return plain.decode("utf-8", "replace") if plain is not None else None
