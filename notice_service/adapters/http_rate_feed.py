"""``HttpRateFeed``: GETs an official rate source with ``requests`` (the ``RateFeed`` port).

Connect and read timeouts bound the request; redirects are followed (the official portals redirect http to
https); the body is read up to ``max_bytes`` and refused beyond (a rate history is a few kilobytes); any
status but 2xx, any transport failure and a body that is not UTF-8 raise ``RateSourceFailed`` naming the URL.
"""

from __future__ import annotations

from collections.abc import Mapping

import requests

from notice_service import __version__
from notice_service.errors import RateSourceFailed

MAX_BYTES = 2 * 1024 * 1024


class HttpRateFeed:
    def __init__(self, *, connect_timeout: float = 5.0, read_timeout: float = 30.0, max_bytes: int = MAX_BYTES):
        self._timeouts = (connect_timeout, read_timeout)
        self._max_bytes = max_bytes

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> str:
        """The body of a 2xx answer to GET ``url`` (see the module docstring)."""
        sent = {
            "user-agent": f"notice-service/{__version__}",
            "accept": "text/csv, application/json",
            **(headers or {}),
        }
        try:
            with requests.get(url, headers=sent, timeout=self._timeouts, stream=True) as response:
                if not 200 <= response.status_code < 300:
                    raise _failed(url, f"it answered HTTP {response.status_code}")
                body = self._read(url, response)
        except requests.RequestException as exc:
            raise _failed(url, f"it could not be reached ({type(exc).__name__})") from None
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise _failed(url, "its answer is not UTF-8 text") from None

    def _read(self, url: str, response: requests.Response) -> bytes:
        """The whole body, refused past ``max_bytes``."""
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > self._max_bytes:
                raise _failed(url, f"its answer exceeds {self._max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


def _failed(url: str, reason: str) -> RateSourceFailed:
    return RateSourceFailed(
        f"The rate source {url} failed: {reason}. Nothing was recorded; try again later or add the rate by hand "
        "with `notice-service rates add`.",
        extra={"url": url, "reason": reason},
    )
