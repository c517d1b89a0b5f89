"""Every operation of the served document refuses a query parameter it does not declare (issue 11, item 1):
``?bogus=1`` is a 422 ``invalid-input`` whose ``errors`` name ``bogus`` and say what the operation accepts,
before the view runs (so before an id is looked up, a body is read or anything is written).

The order, stated in ``web/guards.py``: 401 (no or a bad key) comes first, then the rate limit, then 404 for a
NUL in a path id, then 422 for a NUL, then 422 for an unknown parameter, then the view's own answers (404 for an
id the tenant does not have)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from notice_service.db.models.audit_log import AuditRecord
from notice_service.services import Services
from tests.functional.api.seed import seed
from tests.functional.conftest import Api

PROBLEM = "application/problem+json"
ZERO = "00000000-0000-4000-8000-000000000000"


def _operations(client: FlaskClient) -> list[tuple[str, str, dict[str, Any]]]:
    document = client.get("/v1/openapi.json").json
    return [(path, method, op) for path, methods in document["paths"].items() for method, op in methods.items()]


def _url(path: str, ids: dict[str, str], query: str) -> str:
    return re.sub(r"{(\w+)}", lambda m: ids.get(m.group(1), ZERO), path) + query


def _records(services: Services) -> int:
    with services.db.reading() as session:
        return int(session.execute(select(func.count()).select_from(AuditRecord)).scalar_one())


def _declared(op: dict[str, Any]) -> list[str]:
    return [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]


def _assert_names_bogus(answer: Any, where: tuple[str, str], declared: list[str]) -> None:
    assert answer.status_code == 422 and answer.mimetype == PROBLEM, (where, answer.status_code, answer.data[:300])
    assert answer.json["type"].endswith("/invalid-input"), where
    assert [error["field"] for error in answer.json["errors"]] == ["bogus"], (where, answer.json)
    message = answer.json["errors"][0]["message"]
    assert all(name in message for name in declared), (where, message)
    assert "unknown parameter" in message and ("no query parameter" in message) == (not declared), message


@pytest.mark.parametrize("ids_kind", ["unknown-ids", "real-ids"])
def test_every_operation_refuses_an_unknown_query_parameter_by_name(
    client: FlaskClient, api: Api, services: Services, ids_kind: str
) -> None:
    ids = seed(api) if ids_kind == "real-ids" else {}
    before = _records(services)
    checked = 0
    for path, method, op in _operations(client):
        answer = client.open(
            _url(path, ids, "?bogus=1"), method=method.upper(), headers=api.headers, json={"not": "read"}
        )
        _assert_names_bogus(answer, (method, path), _declared(op))
        checked += 1
    assert checked >= 40
    assert _records(services) == before


def test_without_a_key_401_comes_before_the_unknown_parameter(client: FlaskClient, api: Api) -> None:
    for path, method, op in _operations(client):
        answer = client.open(_url(path, {}, "?bogus=1"), method=method.upper())
        if op.get("security") == []:  # no key needed (the document, health, provider webhooks): 422 as well
            _assert_names_bogus(answer, (method, path), _declared(op))
        else:
            assert answer.status_code == 401 and answer.mimetype == PROBLEM, (method, path, answer.status_code)


def test_each_unknown_parameter_is_named_and_declared_ones_still_work(client: FlaskClient, api: Api) -> None:
    answer = client.get("/v1/debtors?limit=2&bogus=1&other=2", headers=api.headers)
    assert answer.status_code == 422
    assert [error["field"] for error in answer.json["errors"]] == ["bogus", "other"]
    assert "limit" in answer.json["errors"][0]["message"] and "cursor" in answer.json["errors"][0]["message"]
    assert client.get("/v1/debtors?limit=2", headers=api.headers).status_code == 200
    assert client.get("/v1/tenant", headers=api.headers).status_code == 200
    refused = client.get("/v1/tenant?limit=2", headers=api.headers)  # a list's parameter on a read is unknown
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "limit"
    assert client.get("/v1/audit/records?limit=5&after=-1", headers=api.headers).status_code == 200
