"""API keys' lifecycle, on SQLite and PostgreSQL: the five scopes (a key holding some of them, each refusal a
403 naming the missing one), expiry (401 once past it), rotation without downtime (both keys work during the
grace period, then only the successor; by the API and by the CLI), bad inputs refused with nothing written,
and a key's secret never in the logs (the request lines and SQLAlchemy's statements with their parameters)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from notice_service.adapters.system_clock import FixedClock
from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.base import Base
from notice_service.db.models.claims import Debtor
from notice_service.db.models.tenants import ApiKey
from notice_service.observability.logs import JsonFormatter
from notice_service.services import Services
from notice_service.web.openapi import OPERATIONS
from tests.functional.conftest import NOW, Api
from tests.functional.lifecycle_support import DEBTOR, actions
from tests.functional.test_cli import run_cli

PROBLEM = "application/problem+json"


def create_key(api: Api, body: dict[str, Any]) -> Any:
    return api.post("/v1/api-keys", body)


def key_of(api: Api, name: str, scopes: list[str], **extra: Any) -> tuple[Api, str]:
    created = create_key(api, {"name": name, "scopes": scopes, **extra})
    assert created.status_code == 201, created.json
    return Api(api.client, created.json["key"]), created.json["id"]


def counts(services: Services) -> tuple[int, int, int]:
    with services.db.reading() as session:
        return tuple(  # type: ignore[return-value]
            session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (ApiKey, Debtor, AuditRecord)
        )


def test_a_key_holds_some_scopes_and_each_refusal_names_the_missing_one(api: Api, services: Services) -> None:
    writer, _ = key_of(api, "ERP", ["write"])
    issuer, _ = key_of(api, "approbation", ["issue", "dispatch"])
    assert writer.get("/v1/tenant").json["scopes"] == ["read", "write"]
    assert issuer.get("/v1/tenant").json["api_key"]["scopes"] == ["issue", "dispatch"]
    debtor = writer.post("/v1/debtors", DEBTOR)
    assert debtor.status_code == 201
    before = counts(services)
    refusals = [
        (issuer.post("/v1/debtors", DEBTOR), "write"),
        (writer.post(f"/v1/notices/{debtor.json['id']}/issue"), "issue"),  # refused before the id is looked at
        (writer.post(f"/v1/notices/{debtor.json['id']}/deliveries", {}), "dispatch"),
        (writer.post("/v1/api-keys", {"name": "x", "scopes": ["read"]}), "admin"),
        (issuer.post(f"/v1/cases/{debtor.json['id']}/notices", {"kind": "formal_notice", "issue": True}), "write"),
    ]
    for answer, needed in refusals:
        assert answer.status_code == 403 and answer.mimetype == PROBLEM, answer.json
        assert answer.json["type"].endswith("/insufficient-scope") and answer.json["required_scope"] == needed
        assert f"'{needed}'" in answer.json["detail"]
    assert counts(services) == before


def test_the_document_states_the_scope_of_every_operation(api: Api) -> None:
    document = api.client.get("/v1/openapi.json").json
    assert "admin" in document["components"]["securitySchemes"]["bearer"]["description"]
    declared = {op.operation_id: op.scope for op in OPERATIONS}
    seen = 0
    for item in document["paths"].values():
        for op in item.values():
            if op.get("security") == []:
                assert "x-required-scope" not in op
                continue
            seen += 1
            scope = declared[op["operationId"]]
            assert op["security"] == [{"bearer": [scope]}] and op["x-required-scope"] == scope
            assert "403" in op["responses"], op["operationId"]
    assert seen > 50
    assert declared["issue_drafted_notice"] == "issue" and declared["create_delivery"] == "dispatch"
    assert declared["rotate_key"] == declared["create_key"] == "admin" and declared["list_debtors_route"] == "read"


def test_an_expired_key_is_refused(api: Api, services: Services) -> None:
    clock = services.clock
    assert isinstance(clock, FixedClock)
    soon = (NOW + timedelta(hours=1)).isoformat()
    temporary, key_id = key_of(api, "intérim", ["read"], expires_at=soon)
    assert temporary.get("/v1/tenant").status_code == 200
    listed = {k["id"]: k for k in api.get("/v1/api-keys").json["data"]}
    assert listed[key_id]["expires_at"] == soon
    clock.advance(timedelta(hours=1))
    expired = temporary.get("/v1/tenant")
    assert expired.status_code == 401 and expired.mimetype == PROBLEM
    assert expired.json["type"].endswith("/unauthenticated") and expired.json["expired_at"] == soon
    assert api.get("/v1/tenant").status_code == 200  # the key without expiry still works


def test_rotation_without_downtime(api: Api, services: Services) -> None:
    clock = services.clock
    assert isinstance(clock, FixedClock)
    tenant_id = api.get("/v1/tenant").json["id"]
    old_id = api.get("/v1/tenant").json["api_key"]["id"]
    rotated = api.post(f"/v1/api-keys/{old_id}/rotate", {"grace_seconds": 600})
    assert rotated.status_code == 201, rotated.json
    successor = Api(api.client, rotated.json["successor"]["key"])
    assert rotated.json["successor"]["scopes"] == ["read", "write", "issue", "dispatch", "admin"]
    assert rotated.json["previous"]["successor_id"] == rotated.json["successor"]["id"]
    assert rotated.json["previous"]["expires_at"] == (NOW + timedelta(seconds=600)).isoformat()
    assert api.get("/v1/tenant").status_code == 200 and successor.get("/v1/tenant").status_code == 200
    again = api.post(f"/v1/api-keys/{old_id}/rotate", {})
    assert again.status_code == 409 and rotated.json["successor"]["id"] in again.json["detail"]
    clock.advance(timedelta(seconds=599))
    assert api.get("/v1/tenant").status_code == 200  # still within the grace period
    clock.advance(timedelta(seconds=1))
    assert api.get("/v1/tenant").status_code == 401
    assert successor.get("/v1/debtors").status_code == 200
    assert successor.post(f"/v1/api-keys/{old_id}/rotate", {}).status_code == 409  # an expired key is not rotated
    audited = [r["action"] for r in actions(services, tenant_id) if r["action"].startswith("api_key:")]
    assert audited == ["api_key:created", "api_key:created", "api_key:rotated"]


def test_rotating_early_revocation_and_a_shorter_expiry_kept(api: Api, services: Services) -> None:
    short, short_id = key_of(api, "court", ["read"], expires_at=(NOW + timedelta(minutes=5)).isoformat())
    rotated = api.post(f"/v1/api-keys/{short_id}/rotate", {"grace_seconds": 86_400})
    assert rotated.status_code == 201
    assert rotated.json["previous"]["expires_at"] == (NOW + timedelta(minutes=5)).isoformat(), "never extended"
    assert rotated.json["successor"]["scopes"] == ["read"] and rotated.json["successor"]["expires_at"] is None
    assert api.client.delete(f"/v1/api-keys/{short_id}", headers=api.headers).status_code == 200
    assert short.get("/v1/tenant").status_code == 401
    assert Api(api.client, rotated.json["successor"]["key"]).get("/v1/tenant").status_code == 200


BAD_CREATIONS: list[tuple[dict[str, Any], str]] = [
    ({"name": "x"}, "scopes"),
    ({"name": "x", "scopes": []}, "scopes"),
    ({"name": "x", "scopes": ["root"]}, "scopes.0"),
    ({"name": "x", "scopes": "read"}, "scopes"),
    ({"name": "x", "scopes": ["read"] * 6}, "scopes"),
    ({"name": "x", "scopes": ["read"], "expires_at": "2026-11-20T09:00:00+00:00"}, "expires_at"),  # the past
    ({"name": "x", "scopes": ["read"], "expires_at": "2027-01-01T00:00:00"}, "expires_at"),  # no offset
    ({"name": "x", "scopes": ["read"], "expires_at": "demain"}, "expires_at"),
    ({"name": "", "scopes": ["read"]}, "name"),
    ({"name": "x" * 101, "scopes": ["read"]}, "name"),
    ({"name": "x\x00", "scopes": ["read"]}, "name"),
    ({"name": "x", "scope": "root"}, "scope"),
    ({"name": "x", "scopes": ["read"], "owner": "me"}, "owner"),
]
BAD_ROTATIONS: list[tuple[Any, str]] = [
    ({"grace_seconds": -1}, "grace_seconds"),
    ({"grace_seconds": 2_592_001}, "grace_seconds"),
    ({"grace_seconds": "60"}, "grace_seconds"),
    ({"grace_seconds": True}, "grace_seconds"),
    ({"grace": 60}, "grace"),
    ([60], "body"),
]


def test_bad_key_inputs_are_refused_naming_the_field_and_nothing_is_written(api: Api, services: Services) -> None:
    key_id = api.get("/v1/tenant").json["api_key"]["id"]
    before = counts(services)
    for body, field in BAD_CREATIONS:
        answer = create_key(api, body)
        assert answer.status_code == 422 and answer.mimetype == PROBLEM, (body, answer.json)
        assert field in {e["field"] for e in answer.json["errors"]}, (body, answer.json)
    for body, field in BAD_ROTATIONS:
        answer = api.post(f"/v1/api-keys/{key_id}/rotate", body)
        assert answer.status_code == 422 and answer.mimetype == PROBLEM, (body, answer.json)
        assert field in {e["field"] for e in answer.json["errors"]}, (body, answer.json)
    assert api.post("/v1/api-keys/00000000-0000-4000-8000-000000000000/rotate", {}).status_code == 404
    assert counts(services) == before
    assert api.get("/v1/tenant").json["api_key"]["expires_at"] is None


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Every log line (the app's, and SQLAlchemy's statements with their parameters) as JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root, engine_log = logging.getLogger(), logging.getLogger("sqlalchemy.engine")
    levels = (root.level, engine_log.level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    engine_log.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(levels[0])
    engine_log.setLevel(levels[1])


def test_a_key_is_never_logged(api: Api, services: Services, captured_logs: io.StringIO) -> None:
    reader, _ = key_of(api, "journal", ["read"])
    secret = reader.headers["Authorization"].removeprefix("Bearer ")
    assert reader.get("/v1/debtors").status_code == 200
    assert reader.post("/v1/debtors", DEBTOR).status_code == 403
    wrong = "nsk_" + "x" * 43
    unknown = api.client.get("/v1/debtors", headers={"Authorization": f"Bearer {wrong}"})
    assert unknown.status_code == 401 and wrong not in unknown.get_data(as_text=True)
    logged = captured_logs.getvalue()
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    assert any("SELECT" in line["message"] for line in lines), "the statements were captured"
    assert any("/v1/debtors" in json.dumps(line) for line in lines), "the request lines were captured"
    assert secret not in logged and wrong not in logged
    assert secret[4:20] not in logged, "not even a part of it"


def test_the_operator_rotates_a_key_from_the_command_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    created = run_cli(data_dir, "tenants", "create", "--name", "Atelier", "--siren", "404833048", "--json")
    assert created.returncode == 0, created.stderr
    tenant_id = json.loads(created.stdout)["tenant_id"]
    listed = run_cli(data_dir, "tenants", "list", "--json")
    assert json.loads(listed.stdout)[0]["active_keys"] == 1
    wrong = run_cli(data_dir, "tenants", "rotate-key", tenant_id, "00000000-0000-4000-8000-000000000000")
    assert wrong.returncode != 0 and "api_key" in wrong.stderr
    # the key's id: the tenant's one key, as the API lists it; read through the database the CLI uses
    from notice_service.bootstrap import build_services
    from notice_service.settings import Settings

    services = build_services(Settings(data_dir=data_dir))
    try:
        with services.db.reading() as session:
            key_id = session.execute(select(ApiKey.id).where(ApiKey.tenant_id == tenant_id)).scalar_one()
    finally:
        services.db.engine.dispose()
    rotated = run_cli(data_dir, "tenants", "rotate-key", tenant_id, key_id, "--grace-hours", "2", "--json")
    assert rotated.returncode == 0, rotated.stderr
    answer = json.loads(rotated.stdout)
    assert answer["successor"]["key"].startswith("nsk_") and answer["previous"]["successor_id"]
    assert answer["previous"]["expires_at"] is not None
    both = run_cli(data_dir, "tenants", "list", "--json")
    assert json.loads(both.stdout)[0]["active_keys"] == 2, "both work during the grace period"
    too_long = run_cli(data_dir, "tenants", "rotate-key", tenant_id, answer["successor"]["id"], "--grace-hours", "721")
    assert too_long.returncode != 0 and "grace_seconds" in too_long.stderr


def test_a_secret_is_stored_nowhere_not_even_for_a_replay(api: Api, services: Services) -> None:
    """Only the key's SHA-256 is kept: no row of any table holds the secret, the idempotency record of its
    creation included; a replay of that creation answers the same key without its secret."""
    body = {"name": "ERP", "scopes": ["write"]}
    first = api.post("/v1/api-keys", body, key="create-erp-key")
    assert first.status_code == 201
    secret = first.json["key"]
    replay = api.post("/v1/api-keys", body, key="create-erp-key")
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json["id"] == first.json["id"] and replay.json["key"] != secret
    assert "not replayed" in replay.json["key"]
    with services.db.reading() as session:
        rows = [
            repr(tuple(row)) for table in Base.metadata.sorted_tables for row in session.execute(select(table)).all()
        ]
    assert len(rows) > 5 and not [row for row in rows if secret in row or secret[4:24] in row]
    assert Api(api.client, secret).get("/v1/tenant").json["api_key"]["id"] == first.json["id"]


def test_the_settings_page_creates_keys_from_the_presets(api: Api, services: Services) -> None:
    from tests.functional.pages.support import make_people, post, sign_in

    people = make_people(services, api.get("/v1/tenant").json["id"])
    browser = api.client.application.test_client()
    sign_in(browser, people["admin"])
    created = post(browser, "/app/parametres/cles", {"name": "tableau", "scope": "read"}, page="/app/parametres")
    assert created.status_code == 201 and "Secret (affiché une seule fois)" in created.get_data(as_text=True)
    keys = {k["name"]: k["scopes"] for k in api.get("/v1/api-keys").json["data"]}
    assert keys["tableau"] == ["read"]
    before = counts(services)
    for scope in ("root", ""):
        refused = post(browser, "/app/parametres/cles", {"name": "x", "scope": scope}, page="/app/parametres")
        assert refused.status_code == 422 and 'id="e-scope"' in refused.get_data(as_text=True), scope
    assert counts(services) == before
