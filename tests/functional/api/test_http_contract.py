"""The HTTP contract every operation of the document keeps, checked generically over the served document:
authentication before anything else, 405 with ``Allow``, documented content types, one schema per response,
required query parameters, id formats, links; and the per-key rate limit (429, ``Retry-After``, ``RateLimit``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.audit.queries import RecordFilter, list_records
from notice_service.use_cases.tenants.onboarding import authenticate, create_tenant
from tests.functional.api.seed import seed
from tests.functional.conftest import CREDITOR_PROFILE, NOW, Api

PROBLEM = "application/problem+json"
METHODS = ("get", "post", "put", "patch", "delete")
ZERO = "00000000-0000-4000-8000-000000000000"


def _document(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return dict(response.json)


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            yield path, method, op


def _url(path: str, ids: dict[str, str] | None = None) -> str:
    return re.sub(r"{(\w+)}", lambda m: (ids or {}).get(m.group(1), ZERO), path)


def test_without_a_key_every_authenticated_operation_answers_401_before_reading_anything(
    client: FlaskClient, api: Api, services: Services
) -> None:
    document = _document(client)
    before = len(list_records(services, _actor(api, services), RecordFilter()).records)
    checked = 0
    for path, method, op in _operations(document):
        if op.get("security") == []:
            continue
        # a body that is not JSON and no query parameter at all: without the key, neither may be looked at
        response = client.open(_url(path), method=method.upper(), data="{not json", content_type="text/plain")
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.mimetype == PROBLEM and response.json["type"].endswith("/unauthenticated")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "401" in op["responses"]
        checked += 1
    assert checked >= 30
    assert len(list_records(services, _actor(api, services), RecordFilter()).records) == before


def _actor(api: Api, services: Services) -> Any:
    return authenticate(services, api.headers["Authorization"].split(" ", 1)[1])


def test_a_wrong_key_is_401_too_even_with_a_missing_required_parameter(client: FlaskClient) -> None:
    response = client.get("/v1/audit/proofs/inclusion", headers={"Authorization": "Bearer nsk_wrong"})
    assert response.status_code == 401 and response.mimetype == PROBLEM


def test_a_method_a_path_does_not_have_answers_405_with_allow(client: FlaskClient, api: Api) -> None:
    document = _document(client)
    checked = 0
    for path, methods in document["paths"].items():
        documented = {m.upper() for m in methods}
        for method in METHODS:
            if method.upper() in documented:
                continue
            response = client.open(_url(path), method=method.upper(), headers=api.headers)
            assert response.status_code == 405, (method, path)
            assert response.mimetype == PROBLEM
            allowed = {m.strip() for m in response.headers["Allow"].split(",")}
            assert documented <= allowed <= documented | {"HEAD", "OPTIONS"}, (path, allowed)
            checked += 1
    assert checked > 50


def test_every_response_schema_is_its_own_and_errors_are_problems(client: FlaskClient) -> None:
    document = _document(client)
    schemas = document["components"]["schemas"]
    deliveries = [op for path, _, op in _operations(document) if path.startswith("/v1/deliveries/")]
    for op in deliveries:
        ref = op["responses"][next(iter(op["responses"]))]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/DeliveryOut") and "channel" in schemas["DeliveryOut"]["properties"]
    assert "subscription_id" in schemas["WebhookDeliveryOut"]["properties"]
    for path, method, op in _operations(document):
        assert op["operationId"]
        for status, response in op["responses"].items():
            if status[0] in "45" or status == "default":
                assert list(response["content"]) == [PROBLEM], (method, path, status)
        for param in op.get("parameters", []):
            if param["in"] == "path":
                assert param["schema"]["format"] == "uuid" and param["required"]


def test_required_query_parameters_are_marked_and_their_absence_named(client: FlaskClient, api: Api) -> None:
    document = _document(client)
    inclusion = document["paths"]["/v1/audit/proofs/inclusion"]["get"]["parameters"]
    assert {p["name"]: p["required"] for p in inclusion} == {"index": True, "tree_size": True}
    records = document["paths"]["/v1/audit/records"]["get"]["parameters"]
    assert not any(p["required"] for p in records)
    assert document["paths"]["/v1/providers/webhook/events"]["post"]["parameters"][0]["required"] is True
    missing = client.get("/v1/audit/proofs/inclusion?index=0", headers=api.headers)
    assert missing.status_code == 422 and missing.json["errors"][0]["field"] == "tree_size"
    for bad in ("--5", "²", "99999999999", "1e3"):
        refused = client.get(f"/v1/audit/records?after={bad}", headers=api.headers)
        assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "after", bad


def test_amounts_have_their_pattern_and_enums_are_listed(client: FlaskClient) -> None:
    schemas = _document(client)["components"]["schemas"]
    assert schemas["InvoiceCreate"]["properties"]["amount_due"]["pattern"] == r"^\d{1,12}(\.\d{1,2})?$"
    assert set(schemas["DebtorCreate"]["properties"]["kind"]["enum"]) == {"business", "consumer"}


def test_creations_link_to_the_reads_they_enable(client: FlaskClient) -> None:
    document = _document(client)
    created = document["paths"]["/v1/debtors"]["post"]["responses"]["201"]
    links = created["links"]
    assert links["read_debtor"] == {
        "operationId": "read_debtor",
        "parameters": {"debtor_id": "$response.body#/id"},
        "description": "GET /v1/debtors/{debtor_id} with the new id",
    }
    assert links["create_invoice"]["requestBody"] == {"debtor_id": "$response.body#/id"}
    operation_ids = {op["operationId"] for _, _, op in _operations(document)}
    for _, _, op in _operations(document):
        for response in op["responses"].values():
            assert set(response.get("links", {})) <= operation_ids


def test_every_answer_has_its_documented_content_type(client: FlaskClient, api: Api) -> None:
    document = _document(client)
    ids = seed(api)
    checked = 0
    for path, method, op in _operations(document):
        if method != "get" or any(p["in"] == "query" and p["required"] for p in op.get("parameters", [])):
            continue
        response = client.get(_url(path, ids), headers=api.headers)
        documented = op["responses"].get(str(response.status_code)) or op["responses"]["default"]
        assert response.mimetype in documented.get("content", {}), (path, response.status_code, response.mimetype)
        checked += 1
    assert checked >= 10


@pytest.fixture
def limited(tmp_path: Path, database_url: str) -> Iterator[tuple[FlaskClient, Services, FixedClock]]:
    clock = FixedClock(NOW)
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, rate_limit_requests=3, rate_limit_window_seconds=60
    )
    services = build_services(settings, clock=clock)
    with create_app(services=services).test_client() as client:
        yield client, services, clock
    services.db.engine.dispose()


def test_a_key_past_its_quota_gets_429_then_is_served_again_after_the_window(
    limited: tuple[FlaskClient, Services, FixedClock],
) -> None:
    client, services, clock = limited
    first = create_tenant(services, name="Atelier Durand", siren="404833048", profile=CREDITOR_PROFILE)
    second = create_tenant(services, name="Autre Société", siren="552100554", profile=CREDITOR_PROFILE)
    mine = {"Authorization": f"Bearer {first.api_key}"}
    answers = [client.get("/v1/audit/keys", headers=mine) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.headers["RateLimit"] for a in answers] == [f'"default";r={n};t=60' for n in (2, 1, 0)]
    assert answers[0].headers["RateLimit-Policy"] == '"default";q=3;w=60'
    clock.advance(timedelta(seconds=20))
    who = authenticate(services, first.api_key)
    records_before = list_records(services, who, RecordFilter()).records
    debtor = {
        "kind": "consumer",
        "name": "Jean Martin",
        "address": {"lines": ["1 rue Haute"], "postal_code": "75001", "city": "Paris"},
    }
    refused = client.post("/v1/debtors", json=debtor, headers=mine)
    assert list_records(services, who, RecordFilter()).records == records_before  # refused: nothing was done
    assert refused.status_code == 429 and refused.mimetype == PROBLEM
    assert refused.json["type"].endswith("/rate-limited") and refused.json["retry_after"] == 40
    assert refused.headers["Retry-After"] == "40" and refused.headers["RateLimit"] == '"default";r=0;t=40'
    other = client.get("/v1/audit/keys", headers={"Authorization": f"Bearer {second.api_key}"})
    assert other.status_code == 200  # the quota is per key
    assert client.get("/healthz").status_code == 200  # unauthenticated operations are not counted
    clock.advance(timedelta(seconds=40))
    again = client.get("/v1/audit/keys", headers=mine)
    assert again.status_code == 200 and again.headers["RateLimit"] == '"default";r=2;t=60'
    assert client.post("/v1/debtors", json=debtor, headers=mine).status_code == 201  # the same request, now served


def test_rate_limit_settings_are_validated() -> None:
    from notice_service.errors import ConfigurationError
    from notice_service.settings import load_settings

    assert load_settings({}).rate_limit_requests == 600
    assert load_settings({"NOTICE_RATE_LIMIT_REQUESTS": "0"}).rate_limit_requests == 0
    with pytest.raises(ConfigurationError, match="NOTICE_RATE_LIMIT"):
        load_settings({"NOTICE_RATE_LIMIT_WINDOW_SECONDS": "0"})


def test_the_nul_character_is_refused_wherever_it_is_sent_and_nothing_is_recorded(
    client: FlaskClient, api: Api, services: Services
) -> None:
    ids = seed(api)
    who = _actor(api, services)
    before = list_records(services, who, RecordFilter()).records
    fact = {"kind": "deposited", "occurred_at": "2026-07-01T09:00:00+02:00", "source_event_id": "a\x00b"}
    answers = {
        "source_event_id": api.post(f"/v1/deliveries/{ids['delivery_id']}/facts", fact),
        "address.lines[0]": api.post(
            "/v1/debtors",
            {
                "kind": "consumer",
                "name": "Jean",
                "address": {"lines": ["1 rue\x00"], "postal_code": "75001", "city": "Paris"},
            },
        ),
        "subject_id": client.get("/v1/audit/records?subject_type=case&subject_id=%00", headers=api.headers),
        "title": client.post(
            f"/v1/cases/{ids['case_id']}/documents",
            data={"kind": "contract", "title": "CGV\x00", "file": (io.BytesIO(b"%PDF-1.4"), "c.pdf")},
            headers=api.headers,
        ),
        "tenant": client.post("/v1/providers/webhook/events?tenant=%00", json={"events": []}),
    }
    for field, answer in answers.items():
        assert answer.status_code == 422 and answer.mimetype == PROBLEM, (field, answer.status_code)
        assert answer.json["errors"][0]["field"] == field
    by_path = client.get("/v1/debtors/%00", headers=api.headers)
    assert by_path.status_code == 404 and by_path.mimetype == PROBLEM
    assert list_records(services, who, RecordFilter()).records == before
