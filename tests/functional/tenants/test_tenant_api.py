"""``GET/PATCH /v1/tenant`` and ``/v1/api-keys``: who am I, the profile as a merge patch through the same
validation as the operator's command, keys with scopes (enforced) and a last-used time written at most once a
minute; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from notice_service.adapters.system_clock import FixedClock
from notice_service.db.models.claims import Debtor
from notice_service.db.models.tenants import ApiKey
from notice_service.domain.api_scopes import PRESETS, SCOPES
from notice_service.services import Services
from tests.functional.conftest import CREDITOR_PROFILE, NOW, Api
from tests.functional.lifecycle_support import DEBTOR, actions, patch

PROBLEM = "application/problem+json"


def new_key(api: Api, name: str, scope: str) -> Api:
    created = api.post("/v1/api-keys", {"name": name, "scope": scope})
    assert created.status_code == 201, created.json
    assert created.json["scopes"] == [s for s in SCOPES if s in PRESETS[scope]]
    assert created.json["key"].startswith("nsk_")
    return Api(api.client, created.json["key"])


def test_who_am_i_and_the_profile_patch(api: Api, other_api: Api, services: Services) -> None:
    me = api.get("/v1/tenant")
    assert me.status_code == 200
    assert (me.json["name"], me.json["siren"], me.json["profile"]) == ("Atelier Durand", "404833048", CREDITOR_PROFILE)
    assert me.json["scopes"] == list(SCOPES) and me.json["api_key"]["scopes"] == list(SCOPES)
    assert other_api.get("/v1/tenant").json["id"] != me.json["id"]
    etag = me.headers["ETag"]

    assert patch(api, "/v1/tenant", {"profile": {"tone": "firm"}}, etag=None).status_code == 428
    bad = patch(api, "/v1/tenant", {"profile": {"iban": "FR76 0000", "colour": "blue"}}, etag=etag)
    assert bad.status_code == 422 and {e["field"] for e in bad.json["errors"]} == {"profile.colour"}
    bad_iban = patch(api, "/v1/tenant", {"profile": {"iban": "FR7630006000011234567890180"}}, etag=etag)
    assert bad_iban.status_code == 422 and [e["field"] for e in bad_iban.json["errors"]] == ["profile.iban"]
    assert api.get("/v1/tenant").json["profile"] == CREDITOR_PROFILE

    changed = patch(api, "/v1/tenant", {"profile": {"tone": "firm", "phone": None}}, etag=etag)
    assert changed.status_code == 200, changed.json
    expected = {**{k: v for k, v in CREDITOR_PROFILE.items() if k != "phone"}, "tone": "firm"}
    assert changed.json["profile"] == expected and changed.headers["ETag"] != etag
    assert patch(api, "/v1/tenant", {"profile": {"tone": "courteous"}}, etag=etag).status_code == 412
    assert patch(api, "/v1/tenant", {"name": "Autre"}, etag=changed.headers["ETag"]).status_code == 422
    updated = [r for r in actions(services, me.json["id"]) if r["action"] == "tenant:profile_updated"]
    assert [(r["actor"], r["data"]["fields"]) for r in updated] == [
        ({"type": "api_key", "id": me.json["api_key"]["id"]}, ["phone", "tone"])
    ]


def test_scopes_are_enforced(api: Api, other_api: Api, services: Services) -> None:
    reader, writer = new_key(api, "tableau de bord", "read"), new_key(api, "ERP", "write")
    assert reader.get("/v1/tenant").json["scopes"] == ["read"]
    with services.db.reading() as session:
        debtors_before = session.execute(select(func.count()).select_from(Debtor)).scalar_one()
    refused = reader.post("/v1/debtors", DEBTOR)
    assert refused.status_code == 403 and refused.mimetype == PROBLEM
    assert refused.json["type"].endswith("/insufficient-scope") and refused.json["required_scope"] == "write"
    with services.db.reading() as session:
        assert session.execute(select(func.count()).select_from(Debtor)).scalar_one() == debtors_before
    assert writer.post("/v1/debtors", DEBTOR).status_code == 201
    etag = api.get("/v1/tenant").headers["ETag"]
    assert patch(writer, "/v1/tenant", {"profile": {"tone": "firm"}}, etag=etag).status_code == 403
    assert writer.get("/v1/api-keys").status_code == 403
    assert writer.post("/v1/api-keys", {"name": "x", "scope": "admin"}).status_code == 403

    keys = api.get("/v1/api-keys").json["data"]
    by_name = {k["name"]: k for k in keys}  # oldest first; these three share the fixed clock's time
    assert {name: k["scopes"] for name, k in by_name.items()} == {
        "initial": ["read", "write", "issue", "dispatch", "admin"],
        "tableau de bord": ["read"],
        "ERP": ["read", "write", "issue", "dispatch"],
    }
    reader_id, admin_id = by_name["tableau de bord"]["id"], by_name["initial"]["id"]
    assert other_api.client.delete(f"/v1/api-keys/{reader_id}", headers=other_api.headers).status_code == 404
    revoked = api.client.delete(f"/v1/api-keys/{reader_id}", headers=api.headers)
    assert revoked.status_code == 200 and revoked.json["revoked_at"] is not None
    assert reader.get("/v1/tenant").status_code == 401
    assert api.client.delete(f"/v1/api-keys/{reader_id}", headers=api.headers).status_code == 409
    last_admin = api.client.delete(f"/v1/api-keys/{admin_id}", headers=api.headers)
    assert last_admin.status_code == 409 and "last active admin key" in last_admin.json["detail"]
    audited = [
        r["action"] for r in actions(services, api.get("/v1/tenant").json["id"]) if r["action"].startswith("api_key:")
    ]
    assert audited == ["api_key:created"] * 3 + ["api_key:revoked"]


def test_last_used_is_written_at_most_once_a_minute(api: Api, services: Services) -> None:
    clock = services.clock
    assert isinstance(clock, FixedClock)
    key_id = api.get("/v1/tenant").json["api_key"]["id"]

    def last_used() -> object:
        with services.db.reading() as session:
            return session.get_one(ApiKey, key_id).last_used_at

    assert last_used() == NOW
    clock.advance(timedelta(seconds=30))
    api.get("/v1/tenant")
    assert last_used() == NOW  # not rewritten within the minute
    clock.advance(timedelta(seconds=31))
    api.get("/v1/tenant")
    assert last_used() == NOW + timedelta(seconds=61)
    listed = api.get("/v1/api-keys").json["data"][0]
    assert listed["last_used_at"] == (NOW + timedelta(seconds=61)).isoformat()
