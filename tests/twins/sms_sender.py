"""``MemorySmsSender``: an in-process twin of the ``SmsSender`` port (no HTTP), for tests that need an SMS
provider but not Brevo's wire format. It keeps what it accepted and fails as scripted, with the same
``SmsFailed`` outcomes (retryable or not) as ``BrevoSmsSender`` for the same provider answers; the contract
suite ``tests/contract/test_sms_sender_contract.py`` holds both to the same assertions."""

from __future__ import annotations

import itertools
import re

from notice_service.errors import SmsFailed
from notice_service.ports import OutgoingSms, SmsReceipt

_RECIPIENT = re.compile(r"^\+[1-9][0-9]{7,14}$")


class MemorySmsSender:
    def __init__(self) -> None:
        self.accepted: list[OutgoingSms] = []
        self.script: list[tuple[int, str | None]] = []  # (HTTP-like status, Retry-After); 0: no answer
        self._ids = itertools.count(1)

    def send(self, sms: OutgoingSms) -> SmsReceipt:
        if self.script:
            status, retry_after = self.script.pop(0)
            raise _failure(status, retry_after)
        if not _RECIPIENT.match(sms.to):
            raise SmsFailed(
                "The SMS was not sent: the provider refused the number (Invalid phone number).",
                extra={"provider": "memory", "retryable": False, "provider_status": 400},
            )
        self.accepted.append(sms)
        return SmsReceipt(f"memory-{next(self._ids)}", "accepted", None)


def _failure(status: int, retry_after: str | None) -> SmsFailed:
    retryable = status == 0 or status == 429 or status >= 500
    reasons = {
        0: "the provider could not be reached; the SMS may or may not have left",
        401: "the provider refused the API key: check NOTICE_SMS_API_KEY",
        402: "the provider account has not enough SMS credits: buy credits",
        429: f"the provider is rate limiting: try again {f'after {retry_after} s' if retry_after else 'later'}",
    }
    reason = reasons.get(status) or (
        f"the provider failed (HTTP {status}): try again later" if status >= 500 else f"refused (HTTP {status})"
    )
    extra: dict[str, object] = {"provider": "memory", "retryable": retryable, "provider_status": status or None}
    if retry_after is not None:
        extra["retry_after"] = retry_after
    return SmsFailed(f"The SMS was not sent: {reason}.", extra=extra)
