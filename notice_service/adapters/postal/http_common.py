"""What every postal provider's HTTP adapter reads the same way: whether a failed request may have left, the
``Retry-After`` of a 429 or 5xx and the retryable error it makes, JSON bodies (numbers as ``Decimal``: prices are
money and never pass through a float) and prices to the cent."""

from __future__ import annotations

import json
import math
from decimal import Decimal, InvalidOperation
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from notice_service.domain.money import quantize_cents
from notice_service.ports import ProviderError

MAX_RETRY_AFTER_SECONDS = 86_400.0  # a provider asking for more than a day is read as a day


def may_have_left(exc: requests.RequestException) -> bool:
    """A read timeout or a connection broken mid-answer may follow an accepted request; a refused or timed-out
    connection never sent it."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return not isinstance(reason, NewConnectionError)
    return isinstance(exc, requests.Timeout)


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` in seconds (the providers send delta-seconds), at most a day; ``None`` when absent or not
    a finite, non-negative number (``inf``, ``nan`` or ``-5`` would break the account's back-off time)."""
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return None
    return min(seconds, MAX_RETRY_AFTER_SECONDS)


def busy_or_down(provider: str, what: str, response: requests.Response) -> ProviderError | None:
    """A 429 (``rate-limited``) or 5xx (``unavailable``) answer as the retryable error it is, with its
    ``Retry-After``; ``None`` for any other status."""
    status = response.status_code
    if status != 429 and status < 500:
        return None
    return ProviderError(
        "rate-limited" if status == 429 else "unavailable",
        f"{provider} answered {what} with HTTP {status}; try again later.",
        retryable=True,
        retry_after_seconds=retry_after_seconds(response.headers.get("Retry-After")),
        raw=response.content[:4000],
    )


def json_object(data: bytes | str | None) -> dict[str, Any] | None:
    """The JSON object of a body (its numbers as ``Decimal``), or ``None`` when it is not one."""
    try:
        body = json.loads(data or b"", parse_float=Decimal)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def raw_json(value: object) -> bytes:
    """A provider's answer kept as evidence: its JSON, keys sorted; its numbers with decimals are written as JSON
    strings of the digits received (``7.45`` → ``"7.45"``), never rounded through a float."""
    return json.dumps(value, sort_keys=True, default=str).encode()


def price(value: object, factor: Decimal = Decimal(1)) -> Decimal | None:
    """A provider's price (a JSON number or string) times ``factor``, to the cent (``domain.money``'s rounding);
    ``None`` when it is not a finite, non-negative amount."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0:
        return None
    return quantize_cents(amount * factor)
