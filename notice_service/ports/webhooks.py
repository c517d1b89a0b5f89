"""Outbound webhooks: POST a signed body to a target and tell what happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SendOutcome:
    status_code: int | None  # None when no HTTP answer came back
    duration_ms: int
    error: str | None = None
    response_excerpt: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender(Protocol):
    def send(self, url: str, secret: str, message_id: str, body: str) -> SendOutcome:
        """POST ``body`` (JSON) to ``url``, signed with ``secret`` (Standard Webhooks) under ``message_id``."""
        ...
