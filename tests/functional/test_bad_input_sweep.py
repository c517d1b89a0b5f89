"""A sweep of bad requests: each answers a 4xx problem+json naming what is wrong, and writes nothing."""

from __future__ import annotations

import base64
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
from notice_service.db.models.cases import Case
from notice_service.db.models.claims import Debtor, Invoice, Payment
from notice_service.db.models.notices import Notice
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.conftest import CREDITOR_PROFILE, NOW, Api

MAX_UPLOAD = 20_000
COUNTED = (Debtor, Invoice, Payment, Case, Notice, AuditRecord)
GOOD_DEBTOR = {
    "kind": "business",
    "name": "Boulangerie Martin SARL",
    "siren": "732829320",
    "address": {"lines": ["8 avenue Jean Jaurès"], "postal_code": "75019", "city": "Paris"},
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, FlaskClient, Api, dict[str, str]]]:
    data_dir: Path = tmp_path_factory.mktemp("sweep")
    settings = Settings(data_dir=data_dir, max_upload_bytes=MAX_UPLOAD)
    services = build_services(settings, clock=FixedClock(NOW))
    app = create_app(services=services)
    with app.test_client() as client:
        api = Api(client, create_tenant(services, name="Atelier", siren="404833048", profile=CREDITOR_PROFILE).api_key)
        other = Api(client, create_tenant(services, name="Autre", siren="552100554", profile=CREDITOR_PROFILE).api_key)
        debtor = api.post("/v1/debtors", GOOD_DEBTOR).json["id"]
        other_debtor = api.post("/v1/debtors", {**GOOD_DEBTOR, "name": "Autre débiteur"}).json["id"]
        invoice = api.post(
            "/v1/invoices",
            {
                "debtor_id": debtor,
                "number": "F-1",
                "issue_date": "2026-03-01",
                "due_date": "2026-03-31",
                "amount_due": "100.00",
            },
        ).json["id"]
        foreign_debtor = other.post("/v1/debtors", GOOD_DEBTOR).json["id"]
        case = api.post("/v1/cases", {"debtor_id": debtor, "invoice_ids": [invoice]}).json["id"]
        ids = {
            "debtor": debtor,
            "other_debtor": other_debtor,
            "invoice": invoice,
            "case": case,
            "foreign": foreign_debtor,
        }
        yield services, client, api, ids
    services.db.engine.dispose()


def invoice_body(ids: dict[str, str], **changes: Any) -> dict[str, Any]:
    body = {
        "debtor_id": ids["debtor"],
        "number": "F-2",
        "issue_date": "2026-03-01",
        "due_date": "2026-03-31",
        "amount_due": "10.00",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def counts(services: Services) -> dict[str, int]:
    with services.db.reading() as session:
        return {m.__tablename__: session.execute(select(func.count()).select_from(m)).scalar_one() for m in COUNTED}


PDF_TOO_BIG = base64.b64encode(b"%PDF-1.7\n" + b"0" * (MAX_UPLOAD + 10) + b"\n%%EOF\n").decode()
NOT_PDF = base64.b64encode(b"GIF89a not a pdf").decode()

# (name, method, path template, body, expected status, expected field or None)
CASES: list[tuple[str, str, str, Any, int, str | None]] = [
    ("debtor missing name", "POST", "/v1/debtors", {k: v for k, v in GOOD_DEBTOR.items() if k != "name"}, 422, "name"),
    ("debtor wrong SIREN check digit", "POST", "/v1/debtors", {**GOOD_DEBTOR, "siren": "732829321"}, 422, "siren"),
    ("debtor SIREN letters", "POST", "/v1/debtors", {**GOOD_DEBTOR, "siren": "ABCDEFGHI"}, 422, "siren"),
    ("business without SIREN", "POST", "/v1/debtors", {**GOOD_DEBTOR, "siren": None}, 422, "siren"),
    ("consumer with SIREN", "POST", "/v1/debtors", {**GOOD_DEBTOR, "kind": "consumer"}, 422, "siren"),
    ("unknown kind", "POST", "/v1/debtors", {**GOOD_DEBTOR, "kind": "alien"}, 422, "kind"),
    (
        "bad postal code",
        "POST",
        "/v1/debtors",
        {**GOOD_DEBTOR, "address": {"lines": ["x"], "postal_code": "7501", "city": "Paris"}},
        422,
        "address.postal_code",
    ),
    (
        "no address lines",
        "POST",
        "/v1/debtors",
        {**GOOD_DEBTOR, "address": {"lines": [], "postal_code": "75019", "city": "Paris"}},
        422,
        "address.lines",
    ),
    ("unknown member", "POST", "/v1/debtors", {**GOOD_DEBTOR, "nmae": "typo"}, 422, "nmae"),
    ("bad e-mail", "POST", "/v1/debtors", {**GOOD_DEBTOR, "email": "not-an-email"}, 422, "email"),
    ("negative amount", "POST", "/v1/invoices", "invoice:amount_due=-10.00", 422, "amount_due"),
    ("zero amount", "POST", "/v1/invoices", "invoice:amount_due=0.00", 422, "amount_due"),
    ("comma decimal", "POST", "/v1/invoices", "invoice:amount_due=12,50", 422, "amount_due"),
    ("exponent amount", "POST", "/v1/invoices", "invoice:amount_due=1e3", 422, "amount_due"),
    ("three decimals", "POST", "/v1/invoices", "invoice:amount_due=1.005", 422, "amount_due"),
    ("amount as JSON number", "POST", "/v1/invoices", "invoice:amount_due=#12.5", 422, "amount_due"),
    ("due before issue", "POST", "/v1/invoices", "invoice:due_date=2026-02-01", 422, "due_date"),
    ("impossible date", "POST", "/v1/invoices", "invoice:issue_date=2026-02-30", 422, "issue_date"),
    (
        "unknown debtor",
        "POST",
        "/v1/invoices",
        "invoice:debtor_id=00000000-0000-0000-0000-000000000000",
        422,
        "debtor_id",
    ),
    ("another tenant's debtor", "POST", "/v1/invoices", "invoice:debtor_id={foreign}", 422, "debtor_id"),
    ("other currency", "POST", "/v1/invoices", "invoice:currency=USD", 422, "currency"),
    ("duplicate number", "POST", "/v1/invoices", "invoice:number=F-1", 409, "number"),
    ("upload not base64", "POST", "/v1/invoices", "invoice:pdf_base64=%%%", 422, "pdf_base64"),
    ("upload not a PDF", "POST", "/v1/invoices", f"invoice:pdf_base64={NOT_PDF}", 415, "pdf"),
    ("upload too large", "POST", "/v1/invoices", f"invoice:pdf_base64={PDF_TOO_BIG}", 413, None),
    (
        "payment negative",
        "POST",
        "/v1/invoices/{invoice}/payments",
        {"amount": "-5.00", "paid_on": "2026-04-01"},
        422,
        "amount",
    ),
    (
        "payment in the future",
        "POST",
        "/v1/invoices/{invoice}/payments",
        {"amount": "5.00", "paid_on": "2027-01-01"},
        422,
        "paid_on",
    ),
    (
        "payment before invoice",
        "POST",
        "/v1/invoices/{invoice}/payments",
        {"amount": "5.00", "paid_on": "2025-01-01"},
        422,
        "paid_on",
    ),
    (
        "payment unknown invoice",
        "POST",
        "/v1/invoices/nope/payments",
        {"amount": "5.00", "paid_on": "2026-04-01"},
        404,
        None,
    ),
    ("case without invoices", "POST", "/v1/cases", {"debtor_id": "{debtor}", "invoice_ids": []}, 422, "invoice_ids"),
    (
        "case unknown invoice",
        "POST",
        "/v1/cases",
        {"debtor_id": "{debtor}", "invoice_ids": ["nope"]},
        422,
        "invoice_ids[0]",
    ),
    (
        "case invoice of another debtor",
        "POST",
        "/v1/cases",
        {"debtor_id": "{other_debtor}", "invoice_ids": ["{invoice}"]},
        422,
        "invoice_ids[0]",
    ),
    (
        "notice unknown kind",
        "POST",
        "/v1/cases/{case}/notices",
        {"kind": "love_letter", "as_of": "2026-06-30"},
        422,
        "kind",
    ),
    (
        "notice future as_of",
        "POST",
        "/v1/cases/{case}/notices",
        {"kind": "formal_notice", "as_of": "2027-01-01"},
        422,
        "as_of",
    ),
    (
        "notice deadline 0 days",
        "POST",
        "/v1/cases/{case}/notices",
        {"kind": "formal_notice", "as_of": "2026-06-30", "deadline_days": 0},
        422,
        "deadline_days",
    ),
    (
        "notice unknown case",
        "POST",
        "/v1/cases/nope/notices",
        {"kind": "formal_notice", "as_of": "2026-06-30"},
        404,
        None,
    ),
    ("issue unknown notice", "POST", "/v1/notices/nope/issue", None, 404, None),
    ("body not JSON", "POST", "/v1/debtors", "raw:{not json", 422, "body"),
    ("body a JSON list", "POST", "/v1/debtors", "raw:[1, 2]", 422, "body"),
    ("body as form", "POST", "/v1/debtors", "form:name=x", 415, None),
    ("unknown route", "GET", "/v1/nothing-here", None, 404, None),
    ("wrong method", "DELETE", "/v1/debtors", None, 405, None),
]


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids) if "{" in value and not value.startswith("raw:") else value
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def send(client: FlaskClient, api: Api, method: str, path: str, body: Any, ids: dict[str, str]) -> Any:
    headers = dict(api.headers)
    if isinstance(body, str) and body.startswith("invoice:"):
        name, _, raw = body.removeprefix("invoice:").partition("=")
        value: Any = raw.format(**ids) if raw.startswith("{") else raw
        if raw.startswith("#"):
            value = float(raw[1:])
        body = invoice_body(ids, **{name: value})
    if isinstance(body, str) and body.startswith("raw:"):
        return client.open(path, method=method, data=body[4:], headers=headers, content_type="application/json")
    if isinstance(body, str) and body.startswith("form:"):
        return client.open(
            path, method=method, data=body[5:], headers=headers, content_type="application/x-www-form-urlencoded"
        )
    return client.open(path, method=method, json=_fill(body, ids), headers=headers)


@pytest.mark.parametrize(("name", "method", "path", "body", "status", "field"), CASES, ids=[c[0] for c in CASES])
def test_bad_request_answers_a_problem_and_writes_nothing(
    world: tuple[Services, FlaskClient, Api, dict[str, str]],
    name: str,
    method: str,
    path: str,
    body: Any,
    status: int,
    field: str | None,
) -> None:
    services, client, api, ids = world
    before = counts(services)
    response = send(client, api, method, path.format(**ids), body, ids)
    assert response.status_code == status, (name, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/problem+json"
    problem = response.json
    assert problem["status"] == status and problem["type"].startswith("https://") and problem["detail"]
    if field is not None:
        assert field in [e["field"] for e in problem.get("errors", [])], problem
    assert counts(services) == before


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nsk_unknown", "Basic abc"])
def test_missing_or_unknown_api_key_is_401(
    world: tuple[Services, FlaskClient, Api, dict[str, str]], header: str | None
) -> None:
    _services, client, _api, _ids = world
    headers = {"Authorization": header} if header else {}
    response = client.post("/v1/debtors", json=GOOD_DEBTOR, headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
