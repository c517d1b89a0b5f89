"""``HttpWebhookSender``: POSTs Standard Webhooks signed events with ``requests``.

Headers ``webhook-id``, ``webhook-timestamp`` (the wall clock: receivers compare it with theirs) and
``webhook-signature`` (``v1,<base64 HMAC-SHA256>``, from the ``standardwebhooks`` package). Connect and read
timeouts bound every attempt; redirects are not followed (a 3xx is a failed attempt); only the first 2 KiB
of the answer is read. Unless private targets are allowed, the host name is resolved first and refused when
any of its addresses is private, loopback, link-local or reserved.
"""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from standardwebhooks.webhooks import Webhook
from urllib3.exceptions import HTTPError as TransportError

from notice_service import __version__
from notice_service.domain.webhook_events import is_public_address, target_problem
from notice_service.ports import SendOutcome

EXCERPT_BYTES = 2048


class HttpWebhookSender:
    def __init__(
        self, *, allow_private_targets: bool, connect_timeout: float = 5.0, read_timeout: float = 15.0
    ) -> None:
        self._allow_private = allow_private_targets
        self._timeouts = (connect_timeout, read_timeout)

    def _refusal(self, url: str) -> str | None:
        problem = target_problem(url, self._allow_private)
        if problem is not None or self._allow_private:
            return problem
        parts = urlsplit(url)
        try:
            infos = socket.getaddrinfo(parts.hostname or "", parts.port or 443, proto=socket.IPPROTO_TCP)
        except OSError as exc:
            return f"cannot resolve {parts.hostname}: {exc}"
        private = sorted({str(info[4][0]) for info in infos if not is_public_address(str(info[4][0]))})
        return f"{parts.hostname} resolves to refused addresses {', '.join(private)}" if private else None

    def send(self, url: str, secret: str, message_id: str, body: str) -> SendOutcome:
        started = time.monotonic()
        refusal = self._refusal(url)
        if refusal is not None:
            return SendOutcome(None, 0, f"target refused: {refusal}")
        sent_at = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "user-agent": f"notice-service/{__version__}",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, sent_at, body),
        }
        try:
            with requests.post(
                url,
                data=body.encode("utf-8"),
                headers=headers,
                timeout=self._timeouts,
                allow_redirects=False,
                stream=True,
            ) as response:
                excerpt = _read_excerpt(response.raw, started + sum(self._timeouts))
                status = response.status_code
        except (requests.RequestException, TransportError, OSError) as exc:  # raw reads raise urllib3's errors
            return SendOutcome(None, _elapsed_ms(started), f"{type(exc).__name__}: {exc}"[:1000])
        if excerpt is None:
            limit = sum(self._timeouts)
            return SendOutcome(None, _elapsed_ms(started), f"ReadTimeout: the answer took longer than {limit:g} s")
        return SendOutcome(status, _elapsed_ms(started), None, excerpt.decode("utf-8", errors="replace"))


def _read_excerpt(raw: Any, deadline: float) -> bytes | None:
    """The first ``EXCERPT_BYTES`` of the answer, read in small chunks so that the whole attempt ends by
    ``deadline`` (a per-read timeout alone lets a receiver trickling one byte at a time hold the worker for
    ``EXCERPT_BYTES`` read timeouts); None when the deadline passed first."""
    chunks: list[bytes] = []
    size = 0
    while size < EXCERPT_BYTES:
        if time.monotonic() > deadline:
            return None
        chunk = raw.read1(EXCERPT_BYTES - size)  # what has arrived, without waiting for the whole amount
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
