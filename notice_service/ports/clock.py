"""The clock: the only source of "now"."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """The only source of "now": timezone-aware UTC, so every legal computation is reproducible."""

    def now(self) -> datetime: ...
