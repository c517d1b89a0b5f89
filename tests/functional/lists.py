"""Helpers shared by the list tests (``tests/functional/<feature>/test_lists.py``): walk every page of a list,
the bad query strings every list must refuse, and a snapshot of the tables to prove a refusal changed nothing."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import func, select

from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.cases import Case
from notice_service.db.models.claims import Debtor, Invoice, Payment
from notice_service.db.models.events import Event
from notice_service.db.models.notices import Notice
from notice_service.db.models.outbox import OutboxMessage
from notice_service.services import Services
from tests.functional.conftest import Api

PROBLEM = "application/problem+json"


def b64(text: str) -> str:
    """base64url without padding, as cursors are written."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


COUNTED = (Debtor, Invoice, Payment, Case, Notice, AuditRecord, OutboxMessage, Event)

#: (query string, the parameter the problem must name): every list refuses these.
BAD_QUERIES = [
    ("limit=0", "limit"),
    ("limit=101", "limit"),
    ("limit=-1", "limit"),
    ("limit=ten", "limit"),
    ("limit=2&limit=3", "limit"),
    ("cursor=", "cursor"),
    ("cursor=not-a-cursor!", "cursor"),
    ("cursor=" + "A" * 600, "cursor"),
    ("cursor=W10", "cursor"),  # base64url of "[]"
    ("cursor=eyJhIjoxfQ", "cursor"),  # base64url of {"a":1}
    ("cursor=" + b64('["invoices","0001-01-01T00:00:00+01:00","x"]'), "cursor"),  # before year 1 in UTC
    ("cursor=" + b64('["invoices","2026-01-01T00:00:00","x"]'), "cursor"),  # no offset
    ("cursor=" + b64('["invoices","2026-01-01T00:00:00Z","a\\u0000b"]'), "cursor"),  # NUL in the id
    ("colour=blue", "colour"),
    ("offset=20", "offset"),
]


def walk(api: Api, path: str, limit: int, query: str = "") -> tuple[list[dict[str, Any]], int]:
    """Every item of a list read ``limit`` at a time, and how many pages that took (each page checked)."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = f"limit={limit}" + (f"&{query}" if query else "") + (f"&cursor={cursor}" if cursor else "")
        response = api.get(f"{path}?{params}")
        assert response.status_code == 200, response.json
        assert response.content_type == "application/json"
        assert set(response.json) == {"data", "next_cursor"}
        page = response.json["data"]
        assert len(page) <= limit
        items.extend(page)
        pages += 1
        cursor = response.json["next_cursor"]
        if cursor is None:
            return items, pages
        assert len(page) == limit  # only a full page has a next one


def ids(items: list[dict[str, Any]]) -> list[str]:
    """The ids of listed items, in order."""
    return [item["id"] for item in items]


def newest_first(items: list[dict[str, Any]]) -> list[str]:
    """The ids sorted as every list must answer them: newest ``created_at`` first, then the greater id."""
    return ids(sorted(items, key=lambda item: (item["created_at"], item["id"]), reverse=True))


def counts(services: Services) -> dict[str, int]:
    """How many rows each business table holds, to show a refused request wrote nothing."""
    with services.db.reading() as session:
        return {
            model.__tablename__: session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in COUNTED
        }


def assert_problem(response: Any, parameter: str) -> None:
    """A 422 problem whose ``errors`` name ``parameter``."""
    assert response.status_code == 422, response.json
    assert response.content_type == PROBLEM
    assert response.json["type"].endswith("/invalid-input")
    assert parameter in [error["field"] for error in response.json["errors"]], response.json
