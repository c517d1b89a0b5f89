"""Keyset pagination shared by every list (``GET /v1/debtors``, ``/v1/invoices`` … ``/v1/events``).

A list is one tenant's rows of one table in a stable order: newest first by ``(time, id)`` (``id`` breaks ties
between rows of the same instant), or oldest first for the event feed. A page is the ``limit`` rows after the
cursor, read as one index range scan on ``(tenant_id, [filter,] time, id)``: its cost does not depend on how
deep the page is (no ``OFFSET``), and rows inserted meanwhile never shift a page (they sort before the cursor).

The cursor is opaque to clients: base64url of the JSON ``[list, time, id]`` of the page's last row. It is
checked, not trusted: it must decode, name this list and point at a row of this tenant at that exact time,
otherwise it is an ``InvalidInput`` naming ``cursor``. So a malformed, edited, other list's or other tenant's
cursor is refused and can never reveal another tenant's row (every page is filtered on the tenant anyway).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, literal, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from notice_service.db.types import UTCDateTime
from notice_service.errors import FieldError, InvalidInput

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_CURSOR_LENGTH = 512


@dataclass(frozen=True)
class PageRequest:
    """Which page: at most ``limit`` rows (1–100) after ``cursor`` (``None``: the first page)."""

    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


@dataclass(frozen=True)
class Keyset:
    """A list's order: its name (carried by its cursors), its table and the time column it sorts on."""

    name: str
    model: Any
    time: InstrumentedAttribute[datetime]
    ascending: bool = False


@dataclass(frozen=True)
class Page:
    """The rows of one page and the cursor of the next one (``None`` on the last page)."""

    rows: list[Any]
    next_cursor: str | None


def _bad_cursor(reason: str) -> InvalidInput:
    """The problem of an unusable cursor."""
    return InvalidInput(
        "The cursor is not one this list gave; start again without it.",
        errors=[FieldError("cursor", reason)],
    )


def encode_cursor(keyset: Keyset, time: datetime, row_id: str) -> str:
    """The opaque cursor pointing after the row ``(time, row_id)`` of ``keyset``'s list."""
    raw = json.dumps([keyset.name, time.isoformat(), row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(keyset: Keyset, cursor: str) -> tuple[datetime, str]:
    """The ``(time, id)`` a cursor of ``keyset``'s list points after; ``InvalidInput`` when it is not one."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise _bad_cursor(f"at most {MAX_CURSOR_LENGTH} characters")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, time_text, row_id = json.loads(raw.decode())
        time = datetime.fromisoformat(time_text)
        time.astimezone(UTC)  # an offset pushing it past year 1 or 9999 cannot be compared
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, OverflowError):
        raise _bad_cursor("malformed cursor") from None
    if name != keyset.name:
        raise _bad_cursor(f"this cursor belongs to another list, not {keyset.name}")
    if not isinstance(row_id, str) or not row_id.isprintable() or len(row_id) > 64 or time.tzinfo is None:
        raise _bad_cursor("malformed cursor")
    return time, row_id


def _checked_position(session: Session, keyset: Keyset, tenant_id: str, cursor: str) -> tuple[datetime, str]:
    """The cursor's position, once it is known to point at a row of this tenant at that exact time."""
    time, row_id = decode_cursor(keyset, cursor)
    model = keyset.model
    found = session.execute(
        select(model.id).where(model.tenant_id == tenant_id, model.id == row_id, keyset.time == time)
    ).first()
    if found is None:
        raise _bad_cursor("no such position in this tenant's list")
    return time, row_id


def _after(keyset: Keyset, time: datetime, row_id: str) -> ColumnElement[bool]:
    """Rows strictly after ``(time, row_id)`` in the list's order, as one row-value comparison (index range)."""
    left = tuple_(keyset.time, keyset.model.id)
    right = tuple_(literal(time, UTCDateTime()), literal(row_id, String()))
    return left > right if keyset.ascending else left < right


def fetch_page(
    session: Session,
    keyset: Keyset,
    tenant_id: str,
    conditions: Sequence[ColumnElement[bool]],
    page: PageRequest,
) -> Page:
    """One page of the tenant's rows matching ``conditions``, in the list's order, and the next cursor."""
    model = keyset.model
    query: Select[Any] = select(model).where(model.tenant_id == tenant_id, *conditions)
    if page.cursor is not None:
        query = query.where(_after(keyset, *_checked_position(session, keyset, tenant_id, page.cursor)))
    if keyset.ascending:
        query = query.order_by(keyset.time.asc(), model.id.asc())
    else:
        query = query.order_by(keyset.time.desc(), model.id.desc())
    rows = list(session.execute(query.limit(page.limit + 1)).scalars())
    if len(rows) <= page.limit:
        return Page(rows, None)
    last = rows[page.limit - 1]
    return Page(rows[: page.limit], encode_cursor(keyset, getattr(last, keyset.time.key), last.id))


def page_json(page: Page, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The body every list answers: ``{"data": [...], "next_cursor": "…" | null}``."""
    return {"data": items, "next_cursor": page.next_cursor}
