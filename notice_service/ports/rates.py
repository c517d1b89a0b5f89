"""Official rate feeds: read the text an official source publishes at a URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class RateFeed(Protocol):
    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> str:
        """The body of a successful (2xx) GET of ``url``, decoded as UTF-8.

        Raises ``RateSourceFailed`` naming the URL and the cause when the source cannot be reached, answers
        another status, answers too slowly or too much, or not in UTF-8; never returns a partial body.
        """
        ...
