"""RFC 3161 time-stamps: asking a TSA for one, and checking an archived one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class TimeStampToken:
    """An RFC 3161 token over some bytes, already verified against the TSA's trust anchors."""

    token_der: bytes
    gen_time: datetime
    tsa_url: str
    serial_number: int
    certificates_der: Sequence[bytes] = field(default_factory=tuple)


class TimeStamper(Protocol):
    def timestamp(self, data: bytes) -> TimeStampToken: ...


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
