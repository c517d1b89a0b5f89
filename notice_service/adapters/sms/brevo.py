"""``BrevoSmsSender``: Brevo's transactional SMS API (``POST /v3/transactionalSMS/sms``) with ``requests``.

Verified against Brevo's published documentation (developers.brevo.com "Transactional SMS endpoints" and
its changelog; the SDKs generated from its OpenAPI document, e.g. getbrevo/brevo-ruby ``SendTransacSms`` and
``TransactionalSMSApi``): the base URL ``https://api.brevo.com/v3``; the ``api-key`` header; the JSON body
``sender`` (at most 11 alphanumeric characters or 15 digits), ``recipient`` (the number with its country code),
``content``, ``type`` (``transactional``), ``tag``, ``unicodeEnabled``; the answer 201
``{"reference", "messageId", "smsCount", "usedCredits", "remainingCredits"}``; 400 and 402 (not enough credits)
answered as ``{"code", "message"}``. Brevo marks this endpoint deprecated in favour of ``/transactionalSMS/send``
(answer ``{"messageId"}``) but keeps it operational; switching is a change of path and answer.

Not verified, and to be checked with a real account: the exact ``code`` values of each error; the recipient
written with or without ``+`` (we send digits only, as the documented examples do); the 401 and 429 answers
(we handle the HTTP statuses whatever their body, and ``Retry-After`` when present); whether a 5xx or a timeout
after the request was sent may still deliver the message. Brevo has no idempotency key: ours goes in ``tag``
(so the message can be found in Brevo's event report) and sending once is the use case's job (one row per key).
"""

from __future__ import annotations

import re
from typing import Any

import requests

from notice_service import __version__
from notice_service.errors import ConfigurationError, SmsFailed
from notice_service.ports import OutgoingSms, SmsReceipt

DEFAULT_BASE_URL = "https://api.brevo.com"
PATH = "/v3/transactionalSMS/sms"
_SENDER = re.compile(r"^(?:[A-Za-z0-9 ]{1,11}|[0-9]{1,15})$")


class BrevoSmsSender:
    def __init__(
        self,
        api_key: str,
        sender: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        connect_timeout: float = 5.0,
        read_timeout: float = 15.0,
    ) -> None:
        if not api_key:
            raise ConfigurationError("NOTICE_SMS_API_KEY is required for the Brevo SMS provider")
        if not _SENDER.match(sender):
            raise ConfigurationError("NOTICE_SMS_SENDER is at most 11 letters and digits, or at most 15 digits")
        self._api_key = api_key
        self._sender = sender
        self._url = base_url.rstrip("/") + PATH
        self._timeouts = (connect_timeout, read_timeout)

    def send(self, sms: OutgoingSms) -> SmsReceipt:
        body = {
            "sender": self._sender,
            "recipient": sms.to.removeprefix("+"),
            "content": sms.text,
            "type": "transactional",
            "tag": sms.idempotency_key,
            "unicodeEnabled": sms.unicode,
        }
        headers = {
            "api-key": self._api_key,
            "accept": "application/json",
            "content-type": "application/json",
            "user-agent": f"notice-service/{__version__}",
        }
        try:
            response = requests.post(self._url, json=body, headers=headers, timeout=self._timeouts)
        except requests.RequestException as exc:
            raise _failed(
                f"Brevo could not be reached ({type(exc).__name__}); the SMS may or may not have left: look for "
                f"tag {sms.idempotency_key} in Brevo's SMS events before sending again",
                retryable=True,
                status=None,
            ) from None
        if response.status_code == 201:
            return _receipt(response)
        raise _refusal(response)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        found = response.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _receipt(response: requests.Response) -> SmsReceipt:
    answer = _json(response)
    message_id = answer.get("messageId")
    if not isinstance(message_id, int | str) or isinstance(message_id, bool) or str(message_id) == "":
        raise _failed("Brevo answered 201 without a messageId", retryable=False, status=201)
    count = answer.get("smsCount")
    return SmsReceipt(str(message_id), "accepted", count if isinstance(count, int) else None)


def _refusal(response: requests.Response) -> SmsFailed:
    status = response.status_code
    answer = _json(response)
    said = f"{answer.get('code', '')}: {answer.get('message', '')}".strip(": ") or response.text[:200]
    if status == 401:
        return _failed("Brevo refused the API key: check NOTICE_SMS_API_KEY", retryable=False, status=status)
    if status == 402:
        return _failed(
            f"the Brevo account has not enough SMS credits ({said}): buy credits", retryable=False, status=status
        )
    if status == 429:
        retry_after = response.headers.get("Retry-After")
        wait = f"after {retry_after} s" if retry_after else "later"
        return _failed(f"Brevo is rate limiting: try again {wait}", retryable=True, status=status, retry=retry_after)
    if status >= 500:
        return _failed(f"Brevo failed (HTTP {status}): try again later", retryable=True, status=status)
    return _failed(f"Brevo refused the SMS (HTTP {status}, {said})", retryable=False, status=status)


def _failed(reason: str, *, retryable: bool, status: int | None, retry: str | None = None) -> SmsFailed:
    extra: dict[str, object] = {"provider": "brevo", "retryable": retryable, "provider_status": status}
    if retry is not None:
        extra["retry_after"] = retry
    return SmsFailed(f"The SMS was not sent: {reason}.", extra=extra)
