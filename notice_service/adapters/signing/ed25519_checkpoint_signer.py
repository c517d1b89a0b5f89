"""The checkpoint key: an Ed25519 private key in a PEM file, signing C2SP signed notes.

Production configures the file (``NOTICE_CHECKPOINT_KEY``, PKCS#8 PEM, unencrypted or with
``NOTICE_CHECKPOINT_KEY_PASSPHRASE``); the embedded profile generates one under ``var/keys`` on first use,
mode 0600, atomically and under a lock so that several processes agree on one key.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from notice_service.domain.audit.checkpoint import sign_checkpoint
from notice_service.errors import ConfigurationError

GENERATED_KEY_NAME = "checkpoint-ed25519.pem"


class Ed25519CheckpointSigner:
    """Signs checkpoint bodies with ``private_key`` under the note key name ``key_name``."""

    def __init__(self, key_name: str, private_key: Ed25519PrivateKey) -> None:
        self._key_name = key_name
        self._private_key = private_key

    @property
    def key_name(self) -> str:
        return self._key_name

    def public_key(self) -> Ed25519PublicKey:
        return self._private_key.public_key()

    def sign_note(self, body: bytes) -> bytes:
        return sign_checkpoint(body, self._key_name, self._private_key)

    @classmethod
    def from_pem_file(cls, key_name: str, path: Path, passphrase: bytes | None = None) -> Ed25519CheckpointSigner:
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), passphrase)
        except (OSError, ValueError, TypeError) as exc:
            raise ConfigurationError(f"The checkpoint key {path} cannot be read: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigurationError(f"The checkpoint key {path} is not an Ed25519 private key.")
        return cls(key_name, key)


def ensure_checkpoint_key(directory: Path) -> Path:
    """The embedded profile's checkpoint key under ``directory``, generated when missing."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / GENERATED_KEY_NAME
    with (directory / ".checkpoint-key.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=".checkpoint-key-")
            with os.fdopen(handle, "wb") as out:
                out.write(pem)
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
    return path
