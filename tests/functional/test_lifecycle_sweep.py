"""A sweep of bad updates and life-cycle requests: each answers a 4xx problem+json naming what is wrong (the
field, or the header to send), and changes nothing: no row, no audit record, no outbox event, no field of the
debtor, the tenant, the invoice or the cases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.cases import Case, CaseInvoice
from notice_service.db.models.claims import CreditNote, Debtor, Invoice, Payment
from notice_service.db.models.notices import Notice
from notice_service.db.models.outbox import OutboxMessage
from notice_service.db.models.tenants import ApiKey, Tenant
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.conftest import CREDITOR_PROFILE, NOW, Api
from tests.functional.lifecycle_support import MERGE_PATCH, case, debtor, invoice

COUNTED = (Debtor, Invoice, Payment, CreditNote, Case, CaseInvoice, Notice, AuditRecord, OutboxMessage, ApiKey)
STALE = '"00000000000000000000000000000000"'


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, Api, dict[str, str]]]:
    data_dir: Path = tmp_path_factory.mktemp("lifecycle-sweep")
    services = build_services(Settings(data_dir=data_dir), clock=FixedClock(NOW))
    client: FlaskClient
    with create_app(services=services).test_client() as client:
        api = Api(client, create_tenant(services, name="Atelier", siren="404833048", profile=CREDITOR_PROFILE).api_key)
        other = Api(client, create_tenant(services, name="Autre", siren="552100554", profile=CREDITOR_PROFILE).api_key)
        d = debtor(api)
        inv, paid = invoice(api, d, "F-1", "100.00"), invoice(api, d, "F-2", "80.00")
        assert (
            api.post(f"/v1/invoices/{paid}/payments", {"amount": "10.00", "paid_on": "2026-04-01"}).status_code == 201
        )
        open_case, closed_case = case(api, d, inv), case(api, d, paid)
        assert api.post(f"/v1/cases/{closed_case}/close", {"reason": "written_off"}).status_code == 200
        reader = api.post("/v1/api-keys", {"name": "lecture", "scope": "read"}).json["key"]
        ids = {
            "debtor": d,
            "invoice": inv,
            "paid": paid,
            "case": open_case,
            "closed": closed_case,
            "foreign_debtor": debtor(other),
            "debtor_etag": api.get(f"/v1/debtors/{d}").headers["ETag"],
            "tenant_etag": api.get("/v1/tenant").headers["ETag"],
            "admin_key": api.get("/v1/tenant").json["api_key"]["id"],
            "reader": reader,
        }
        yield services, api, ids
    services.db.engine.dispose()


def snapshot(services: Services) -> dict[str, Any]:
    """Row counts, and every debtor, tenant, invoice and case as stored."""
    with services.db.reading() as session:
        found: dict[str, Any] = {
            m.__tablename__: session.execute(select(func.count()).select_from(m)).scalar_one() for m in COUNTED
        }
        for model in (Debtor, Tenant, Invoice, Case):
            rows = session.execute(select(model).order_by(model.id)).scalars()
            found[f"{model.__tablename__}:rows"] = [
                {c.name: getattr(row, c.key) for c in model.__mapper__.columns} for row in rows
            ]
        return found


D, T = "/v1/debtors/{debtor}", "/v1/tenant"
CN = "/v1/invoices/{invoice}/credit-notes"
GOOD_NOTE = {"number": "AV-1", "issued_on": "2026-04-05", "amount": "10.00"}
# (name, method, path, raw body or JSON value, content type, If-Match, key, expected status, expected field)
Sweep = tuple[str, str, str, Any, str, str | None, str | None, int, str | None]
CASES: list[Sweep] = [
    ("patch malformed JSON", "PATCH", D, "{not json", MERGE_PATCH, "{debtor_etag}", None, 422, "body"),
    ("patch not an object", "PATCH", D, ["name"], MERGE_PATCH, "{debtor_etag}", None, 422, "body"),
    ("patch as application/json", "PATCH", D, {"name": "X"}, "application/json", "{debtor_etag}", None, 415, None),
    ("patch without If-Match", "PATCH", D, {"name": "X"}, MERGE_PATCH, None, None, 428, None),
    ("patch stale If-Match", "PATCH", D, {"name": "X"}, MERGE_PATCH, STALE, None, 412, None),
    ("patch weak If-Match", "PATCH", D, {"name": "X"}, MERGE_PATCH, "W/{debtor_etag}", None, 412, None),
    ("patch removes the name", "PATCH", D, {"name": None}, MERGE_PATCH, "{debtor_etag}", None, 422, "name"),
    ("patch read-only id", "PATCH", D, {"id": "x"}, MERGE_PATCH, "{debtor_etag}", None, 422, "id"),
    ("patch unknown member", "PATCH", D, {"nmae": "x"}, MERGE_PATCH, "{debtor_etag}", None, 422, "nmae"),
    ("patch bad SIREN", "PATCH", D, {"siren": "732829321"}, MERGE_PATCH, "{debtor_etag}", None, 422, "siren"),
    ("patch no SIREN", "PATCH", D, {"siren": None}, MERGE_PATCH, "{debtor_etag}", None, 422, "siren"),
    ("patch bad kind", "PATCH", D, {"kind": "robot"}, MERGE_PATCH, "{debtor_etag}", None, 422, "kind"),
    (
        "patch bad postal code",
        "PATCH",
        D,
        {"address": {"postal_code": "7501"}},
        MERGE_PATCH,
        "{debtor_etag}",
        None,
        422,
        "address.postal_code",
    ),
    (
        "patch no address lines",
        "PATCH",
        D,
        {"address": {"lines": []}},
        MERGE_PATCH,
        "{debtor_etag}",
        None,
        422,
        "address.lines",
    ),
    ("patch foreign debtor", "PATCH", "/v1/debtors/{foreign_debtor}", {"name": "X"}, MERGE_PATCH, "*", None, 404, None),
    ("patch by a read key", "PATCH", D, {"name": "X"}, MERGE_PATCH, "{debtor_etag}", "{reader}", 403, None),
    (
        "tenant unknown field",
        "PATCH",
        T,
        {"profile": {"colour": "x"}},
        MERGE_PATCH,
        "{tenant_etag}",
        None,
        422,
        "profile.colour",
    ),
    (
        "tenant bad tone",
        "PATCH",
        T,
        {"profile": {"tone": "rude"}},
        MERGE_PATCH,
        "{tenant_etag}",
        None,
        422,
        "profile.tone",
    ),
    (
        "tenant bad IBAN",
        "PATCH",
        T,
        {"profile": {"iban": "FR7600"}},
        MERGE_PATCH,
        "{tenant_etag}",
        None,
        422,
        "profile.iban",
    ),
    ("tenant name", "PATCH", T, {"name": "X", "profile": {}}, MERGE_PATCH, "{tenant_etag}", None, 422, "name"),
    ("tenant profile not object", "PATCH", T, {"profile": 3}, MERGE_PATCH, "{tenant_etag}", None, 422, "profile"),
    ("tenant stale", "PATCH", T, {"profile": {"tone": "firm"}}, MERGE_PATCH, STALE, None, 412, None),
    ("tenant no If-Match", "PATCH", T, {"profile": {"tone": "firm"}}, MERGE_PATCH, None, None, 428, None),
    ("tenant by a read key", "PATCH", T, {"profile": {}}, MERGE_PATCH, "{tenant_etag}", "{reader}", 403, None),
    (
        "close bad reason",
        "POST",
        "/v1/cases/{case}/close",
        {"reason": "bankrupt"},
        "application/json",
        None,
        None,
        422,
        "reason",
    ),
    (
        "close other without note",
        "POST",
        "/v1/cases/{case}/close",
        {"reason": "other"},
        "application/json",
        None,
        None,
        422,
        "note",
    ),
    (
        "close long note",
        "POST",
        "/v1/cases/{case}/close",
        {"reason": "paid", "note": "x" * 501},
        "application/json",
        None,
        None,
        422,
        "note",
    ),
    ("close no body", "POST", "/v1/cases/{case}/close", None, "application/json", None, None, 422, "body"),
    (
        "close a closed case",
        "POST",
        "/v1/cases/{closed}/close",
        {"reason": "paid"},
        "application/json",
        None,
        None,
        409,
        None,
    ),
    (
        "close unknown case",
        "POST",
        "/v1/cases/nope/close",
        {"reason": "paid"},
        "application/json",
        None,
        None,
        404,
        None,
    ),
    (
        "close by a read key",
        "POST",
        "/v1/cases/{case}/close",
        {"reason": "paid"},
        "application/json",
        None,
        "{reader}",
        403,
        None,
    ),
    ("reopen an open case", "POST", "/v1/cases/{case}/reopen", None, "application/json", None, None, 409, None),
    (
        "notice on a closed case",
        "POST",
        "/v1/cases/{closed}/notices",
        {"kind": "reminder", "as_of": "2026-06-30"},
        "application/json",
        None,
        None,
        409,
        None,
    ),
    (
        "credit over the balance",
        "POST",
        CN,
        {**GOOD_NOTE, "amount": "100.01"},
        "application/json",
        None,
        None,
        422,
        "amount",
    ),
    ("credit zero", "POST", CN, {**GOOD_NOTE, "amount": "0.00"}, "application/json", None, None, 422, "amount"),
    ("credit negative", "POST", CN, {**GOOD_NOTE, "amount": "-1.00"}, "application/json", None, None, 422, "amount"),
    ("credit JSON number", "POST", CN, {**GOOD_NOTE, "amount": 10}, "application/json", None, None, 422, "amount"),
    (
        "credit before invoice",
        "POST",
        CN,
        {**GOOD_NOTE, "issued_on": "2026-01-01"},
        "application/json",
        None,
        None,
        422,
        "issued_on",
    ),
    (
        "credit in the future",
        "POST",
        CN,
        {**GOOD_NOTE, "issued_on": "2027-01-01"},
        "application/json",
        None,
        None,
        422,
        "issued_on",
    ),
    (
        "credit bad date",
        "POST",
        CN,
        {**GOOD_NOTE, "issued_on": "2026-02-30"},
        "application/json",
        None,
        None,
        422,
        "issued_on",
    ),
    (
        "credit unknown invoice",
        "POST",
        "/v1/invoices/nope/credit-notes",
        GOOD_NOTE,
        "application/json",
        None,
        None,
        404,
        None,
    ),
    ("credit as text", "POST", CN, "number=AV-1", "text/plain", None, None, 415, None),
    (
        "cancel a paid-on invoice",
        "POST",
        "/v1/invoices/{paid}/cancel",
        {"credit_note_number": "AV-9", "issued_on": "2026-04-05"},
        "application/json",
        None,
        None,
        409,
        None,
    ),
    (
        "key bad scope",
        "POST",
        "/v1/api-keys",
        {"name": "x", "scope": "root"},
        "application/json",
        None,
        None,
        422,
        "scope",
    ),
    (
        "key empty name",
        "POST",
        "/v1/api-keys",
        {"name": "", "scope": "read"},
        "application/json",
        None,
        None,
        422,
        "name",
    ),
    (
        "key by a read key",
        "POST",
        "/v1/api-keys",
        {"name": "x", "scope": "admin"},
        "application/json",
        None,
        "{reader}",
        403,
        None,
    ),
    ("revoke unknown key", "DELETE", "/v1/api-keys/nope", None, "application/json", None, None, 404, None),
    ("revoke last admin key", "DELETE", "/v1/api-keys/{admin_key}", None, "application/json", None, None, 409, None),
]


@pytest.mark.parametrize("item", CASES, ids=[c[0] for c in CASES])
def test_bad_update_answers_a_problem_and_changes_nothing(
    world: tuple[Services, Api, dict[str, str]], item: Sweep
) -> None:
    services, api, ids = world
    _name, method, path, body, content_type, etag, key, status, field = item
    headers = {"Authorization": f"Bearer {key.format(**ids)}"} if key else dict(api.headers)
    if etag is not None:
        headers["If-Match"] = etag.format(**ids)
    raw = body if isinstance(body, str) or body is None else json.dumps(body)
    before = snapshot(services)
    answer = api.client.open(path.format(**ids), method=method, data=raw, headers=headers, content_type=content_type)
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.mimetype == "application/problem+json"
    problem = answer.json
    assert problem["status"] == status and problem["detail"]
    if field is not None:
        assert field in [e["field"] for e in problem.get("errors", [])], problem
    assert snapshot(services) == before
