"""Envelope encryption of provider secrets (AES-256-GCM, ``cryptography``).

Each account row gets its own random data key; the secrets (a JSON object) are sealed with it, and the data key
is sealed with the settings key (``NOTICE_SECRETS_KEY``; the embedded profile generates one under
``var/keys``). Both seals carry the tenant and provider as associated data, so a row copied to another tenant
or provider does not open. Rotating the settings key rewraps data keys only.
"""

from __future__ import annotations

import base64
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from notice_service.errors import ConfigurationError, FieldError, InvalidInput


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> str:
    nonce = os.urandom(12)
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, plaintext, aad)).decode("ascii")


def _open(key: bytes, sealed: str, aad: bytes) -> bytes:
    raw = base64.b64decode(sealed)
    return AESGCM(key).decrypt(raw[:12], raw[12:], aad)


def _settings_key(key: bytes | None) -> bytes:
    if key is None:
        raise InvalidInput(
            "This server has no key to encrypt provider credentials: set NOTICE_SECRETS_KEY "
            "(base64 of 32 random bytes) and restart.",
            errors=[FieldError("credentials", "NOTICE_SECRETS_KEY is not set on the server")],
        )
    return key


def seal_secrets(settings_key: bytes | None, secrets: dict[str, str], aad: str) -> tuple[str, str]:
    """``(wrapped data key, sealed secrets)``, both base64."""
    master = _settings_key(settings_key)
    data_key = AESGCM.generate_key(bit_length=256)
    sealed = _seal(data_key, json.dumps(secrets, sort_keys=True).encode(), aad.encode())
    return _seal(master, data_key, aad.encode()), sealed


def open_secrets(settings_key: bytes | None, wrapped_key: str, sealed: str, aad: str) -> dict[str, str]:
    master = _settings_key(settings_key)
    try:
        data_key = _open(master, wrapped_key, aad.encode())
        opened: dict[str, str] = json.loads(_open(data_key, sealed, aad.encode()))
    except (InvalidTag, ValueError) as exc:
        raise ConfigurationError(
            "A provider account's credentials do not open with NOTICE_SECRETS_KEY (was the key changed?)."
        ) from exc
    return opened


def parse_settings_key(encoded: str) -> bytes:
    """The 32 bytes of ``NOTICE_SECRETS_KEY`` (standard or URL-safe base64)."""
    try:
        key = base64.urlsafe_b64decode(encoded.replace("+", "-").replace("/", "_") + "=" * (-len(encoded) % 4))
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ConfigurationError("NOTICE_SECRETS_KEY must be the base64 of 32 random bytes")
    return key
