"""Per-API-key rate limits: a fixed window per key, counted in this process's memory (no database write, so a
limited request costs nothing on the outbox path).

Each authenticated response carries the IETF ``RateLimit-Policy`` (``"default";q=<quota>;w=<window s>``) and
``RateLimit`` (``"default";r=<remaining>;t=<s to the window's end>``) headers; past the quota the answer is a
429 ``rate-limited`` problem with ``Retry-After``. Windows start at the key's first request and are timed by
the service's clock. Several processes each count their own requests: the quota is per process, which the
README says. ``NOTICE_RATE_LIMIT_REQUESTS=0`` turns the limit off.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from notice_service.ports import Clock


@dataclass(frozen=True)
class Quota:
    """What one request left of its key's window."""

    limit: int
    window_seconds: int
    remaining: int
    reset_seconds: int
    exceeded: bool

    def headers(self) -> dict[str, str]:
        """The ``RateLimit`` and ``RateLimit-Policy`` headers (and ``Retry-After`` once exceeded)."""
        headers = {
            "RateLimit-Policy": f'"default";q={self.limit};w={self.window_seconds}',
            "RateLimit": f'"default";r={self.remaining};t={self.reset_seconds}',
        }
        if self.exceeded:
            headers["Retry-After"] = str(self.reset_seconds)
        return headers


class RateLimiter:
    """A fixed-window counter per key; thread-safe (waitress serves from several threads)."""

    def __init__(self, limit: int, window_seconds: int, clock: Clock) -> None:
        self.limit = limit
        self.window = timedelta(seconds=window_seconds)
        self._clock = clock
        self._windows: dict[str, tuple[datetime, int]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether limits apply at all (a quota of 0 turns them off)."""
        return self.limit > 0

    def hit(self, key: str) -> Quota:
        """Count one request of ``key`` and tell what is left; a refused request is not counted."""
        now = self._clock.now()
        with self._lock:
            started, count = self._windows.get(key, (now, 0))
            if now >= started + self.window or now < started:
                started, count = now, 0
            exceeded = count >= self.limit
            if not exceeded:
                count += 1
                self._windows[key] = (started, count)
            if len(self._windows) > 100_000:
                self._forget_expired(now)
        reset = max(1, math.ceil((started + self.window - now).total_seconds()))
        window_seconds = int(self.window.total_seconds())
        return Quota(self.limit, window_seconds, max(0, self.limit - count), reset, exceeded)

    def _forget_expired(self, now: datetime) -> None:
        """Drop the windows that have ended (bounded memory with many keys)."""
        for key in [k for k, (started, _) in self._windows.items() if now >= started + self.window]:
            del self._windows[key]
