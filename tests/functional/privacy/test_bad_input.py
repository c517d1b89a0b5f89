"""Bad input on the personal-data routes answers RFC 9457 problem+json naming the field or the resource, never a
500, and writes nothing (every row of the tenant, the audit log included, is as it was); on SQLite and
PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.lifecycle_support import tenant_id
from tests.functional.privacy.support import PRESCRIBED, held_debtor, move_to, tenant_rows

pytestmark = pytest.mark.usefixtures("twin")
PROBLEM = "application/problem+json"
UNKNOWN = "00000000-0000-0000-0000-000000000000"

# (name, method, path ({own}: the closed debtor, {open}: one with an open case), who, status, field or detail)
CASES: list[tuple[str, str, str, str, int, str]] = [
    ("purgeable: not a date", "GET", "/v1/privacy/purgeable?before=yesterday", "owner", 422, "before"),
    ("purgeable: 30 February", "GET", "/v1/privacy/purgeable?before=2026-02-30", "owner", 422, "before"),
    ("purgeable: a time", "GET", "/v1/privacy/purgeable?before=2026-02-01T10:00", "owner", 422, "before"),
    ("purgeable: unknown parameter", "GET", "/v1/privacy/purgeable?tenant=x", "owner", 422, "tenant"),
    (
        "purgeable: given twice",
        "GET",
        "/v1/privacy/purgeable?before=2026-01-01&before=2026-02-01",
        "owner",
        422,
        "before",
    ),
    ("purge: unknown debtor", "POST", f"/v1/debtors/{UNKNOWN}/purge", "owner", 404, "No debtor"),
    ("purge: not an id", "POST", "/v1/debtors/..%2F..%2Fetc/purge", "owner", 404, ""),
    ("purge: another tenant's debtor", "POST", "/v1/debtors/{own}/purge", "other", 404, "No debtor"),
    ("purge: an open case", "POST", "/v1/debtors/{open}/purge", "owner", 409, "not purgeable"),
    ("purge: a read key", "POST", "/v1/debtors/{own}/purge", "reader", 403, "scope"),
    ("purge: a write key", "POST", "/v1/debtors/{own}/purge", "writer", 403, "admin"),
    ("purge: no key", "POST", "/v1/debtors/{own}/purge", "nobody", 401, ""),
    ("export: unknown debtor", "GET", f"/v1/debtors/{UNKNOWN}/export", "owner", 404, "No debtor"),
    ("export: another tenant's debtor", "GET", "/v1/debtors/{own}/export", "other", 404, "No debtor"),
    ("export: no key", "GET", "/v1/debtors/{own}/export", "nobody", 401, ""),
]


def _key(api: Api, scope: str) -> Api:
    created = api.post("/v1/api-keys", {"name": f"privacy {scope}", "scope": scope})
    assert created.status_code == 201, created.json
    return Api(api.client, created.json["key"])


def _world(api: Api, other_api: Api, services: Services) -> dict[str, Any]:
    closed = held_debtor(api)
    still_open = held_debtor(api, close=False, n=2)
    move_to(services, PRESCRIBED)
    who = {"owner": api, "other": other_api, "reader": _key(api, "read"), "writer": _key(api, "write")}
    who["nobody"] = Api(api.client, "nsk_not_a_key")
    return {"own": closed["debtor_id"], "open": still_open["debtor_id"], "who": who}


def _field_or_detail(body: dict[str, Any]) -> str:
    return " ".join([body.get("detail", ""), *(e["field"] for e in body.get("errors", []))])


def test_bad_input_is_a_problem_and_writes_nothing(api: Api, other_api: Api, services: Services) -> None:
    """Each case of ``CASES`` on one world (built once: a letter and its follow-ups take seconds to make)."""
    world = _world(api, other_api, services)
    tenant = tenant_id(api)
    before = tenant_rows(services, tenant)
    failures: list[tuple[str, object, bytes]] = []
    for name, method, path, who, status, named in CASES:
        caller: Api = world["who"][who]
        url = path.format(own=world["own"], open=world["open"])
        answered = caller.client.open(url, method=method, headers=caller.headers)
        body: dict[str, Any] = (answered.json or {}) if answered.content_type == PROBLEM else {}
        if answered.status_code != status or answered.content_type != PROBLEM or named not in _field_or_detail(body):
            failures.append((name, answered.status_code, answered.data[:300]))
        if tenant_rows(services, tenant) != before:
            failures.append((name, "wrote something", b""))
    assert failures == []
