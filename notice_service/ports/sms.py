"""SMS: send one text to an E.164 number under an idempotency key; the provider answers its message id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class OutgoingSms:
    """One text to one mobile number (E.164, e.g. ``+33612345678``). ``idempotency_key`` names the send: the
    same key sent twice is the same message (a provider without native idempotency carries it as a tag)."""

    to: str
    text: str
    idempotency_key: str
    unicode: bool = False  # UCS-2 encoding (a text with a character outside the GSM 7-bit alphabet)


@dataclass(frozen=True)
class SmsReceipt:
    """What the provider said when it took the message: its id and status (``accepted`` once queued)."""

    message_id: str
    status: str
    segments: int | None = None  # as counted by the provider, when it says


class SmsSender(Protocol):
    """The SMS channel's provider. Every failure raises ``SmsFailed`` (``notice_service.errors``) with a
    ``detail`` a person can act on and ``extra['retryable']`` (429 and 5xx: try again later; 4xx: fix it)."""

    def send(self, sms: OutgoingSms) -> SmsReceipt:
        """Send ``sms``; answer the provider's message id and status."""
        ...
