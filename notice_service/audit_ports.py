"""The audit ledger's ports: who signs checkpoints, and who checks an archived RFC 3161 token.

Kept beside ``notice_service.ports`` (same rules: small Protocols named by role). ``Ed25519CheckpointSigner``
and ``Rfc3161TokenVerifier`` in ``notice_service.adapters`` implement them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class CheckpointSigner(Protocol):
    """Signs C2SP checkpoint bodies as signed notes with one Ed25519 key (a file today, an HSM later)."""

    @property
    def key_name(self) -> str: ...

    def public_key(self) -> Ed25519PublicKey: ...

    def sign_note(self, body: bytes) -> bytes:
        """The signed note: ``body``, a blank line and this key's signature line."""
        ...


@dataclass(frozen=True)
class VerifiedToken:
    """A token that verified: its genTime, and whether its TSA chain was valid only at that genTime.

    ``at_gen_time`` is True when validating the chain at the current time failed only because a certificate
    is outside its validity period (typically: the TSA certificate has expired since), and it validated at
    genTime instead. Revocation is not checked either way (no revocation data is fetched or archived).
    """

    gen_time: datetime
    at_gen_time: bool = False


class TimeStampVerifier(Protocol):
    """Checks an archived ``TimeStampResp`` over some bytes against the configured TSA trust roots."""

    def verify(self, data: bytes, response: bytes) -> VerifiedToken:
        """The token's genTime and the time its chain was validated at; ``ValueError`` naming the problem when
        it does not verify."""
        ...
