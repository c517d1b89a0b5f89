"""Small helpers for the JSON-ready dicts the read models answer."""

from __future__ import annotations

from typing import Any


def iso_or_none(value: Any) -> str | None:
    """ISO 8601 text of a date or datetime, or None."""
    return value.isoformat() if value is not None else None
