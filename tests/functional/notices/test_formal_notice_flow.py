"""From an empty tenant to an issued, signed, archived and audited mise en demeure, through the API."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from notice_service.services import Services
from notice_service.use_cases.audit.verify import verify_tenant_ledger
from notice_service.use_cases.official_rates import RateInput, add_rate
from notice_service.use_cases.tenants.onboarding import list_tenant_ids
from notice_service.worker import pending_count, run_until_idle
from tests.functional.conftest import Api

DEBTOR = {
    "kind": "business",
    "name": "Boulangerie Martin SARL",
    "siren": "732829320",
    "address": {"lines": ["8 avenue Jean Jaurès"], "postal_code": "75019", "city": "Paris", "country": "FR"},
}


def tiny_pdf() -> bytes:
    import weasyprint

    return weasyprint.HTML(string="<p>Facture F-2026-0042</p>").write_pdf()


def open_case(api: Api, *, with_pdf: bool = False, debtor: Mapping[str, object] = DEBTOR) -> dict[str, object]:
    posted = api.post("/v1/debtors", debtor)
    assert posted.status_code == 201, posted.json
    invoice_body = {
        "debtor_id": posted.json["id"],
        "number": "F-2026-0042",
        "issue_date": "2026-03-01",
        "due_date": "2026-03-31",
        "amount_due": "1234.56",
    }
    if with_pdf:
        invoice_body["pdf_base64"] = base64.b64encode(tiny_pdf()).decode()
    invoice = api.post("/v1/invoices", invoice_body)
    assert invoice.status_code == 201, invoice.json
    payment = api.post(f"/v1/invoices/{invoice.json['id']}/payments", {"amount": "200.00", "paid_on": "2026-04-15"})
    assert payment.status_code == 201, payment.json
    assert payment.json["balance"] == "1034.56"
    case = api.post("/v1/cases", {"debtor_id": posted.json["id"], "invoice_ids": [invoice.json["id"]]})
    assert case.status_code == 201, case.json
    return {"case_id": case.json["id"], "invoice_id": invoice.json["id"], "debtor_id": posted.json["id"]}


def test_issue_formal_notice_end_to_end(api: Api, services: Services) -> None:
    ids = open_case(api, with_pdf=True)
    created = api.post(f"/v1/cases/{ids['case_id']}/notices", {"kind": "formal_notice", "as_of": "2026-06-30"})
    assert created.status_code == 201, created.json
    notice = created.json
    assert notice["status"] == "draft"
    statement = notice["statement"]
    # By hand: 15 days at 12.15 % on 1234.56 = 6.16 (paid first, C. civ. 1343-1), then 76 days on 1040.72 = 26.33.
    assert (statement["principal"], statement["paid"]) == ("1234.56", "200.00")
    assert (statement["interest"], statement["indemnities"], statement["total"]) == ("32.49", "40.00", "1107.05")
    assert [p["days"] for p in statement["invoices"][0]["periods"]] == [15, 76]
    preview = api.get(f"/v1/notices/{notice['id']}/pdf")
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF")

    issued = api.post(f"/v1/notices/{notice['id']}/issue")
    assert issued.status_code == 200, issued.json
    body = issued.json
    assert body["status"] == "issued"
    assert body["completeness"]["complete"] is True
    assert body["signature"]["level"] == "B-B"
    assert body["signature"]["development_certificate"] is True

    pdf = api.get(f"/v1/notices/{notice['id']}/pdf").data
    assert hashlib.sha256(pdf).hexdigest() == body["document"]["sha256"]
    assert body["storage"]["key"] == f"sha256/{body['document']['sha256']}"
    signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert len(signatures) == 1

    case = api.get(f"/v1/cases/{ids['case_id']}").json
    actions = [event["action"] for event in case["timeline"]]
    assert actions[:2] == ["invoice:registered", "payment:recorded"]
    assert "case:opened" in actions and "notice:drafted" in actions and actions[-1] == "notice:issued"
    issued_event = case["timeline"][-1]
    assert issued_event["documents"] == [{"role": "signed_pdf", "sha256": body["document"]["sha256"]}]

    assert all(verify_tenant_ledger(services, tenant).failure is None for tenant in list_tenant_ids(services))
    run_until_idle(services)
    assert pending_count(services) == 0


def test_issue_true_does_both_in_one_call(api: Api) -> None:
    ids = open_case(api)
    created = api.post(
        f"/v1/cases/{ids['case_id']}/notices",
        {"kind": "formal_notice", "as_of": "2026-06-30", "issue": True, "deadline_days": 15},
    )
    assert created.status_code == 201, created.json
    assert created.json["status"] == "issued"
    assert created.json["options"] == {"deadline_days": 15}
    again = api.post(f"/v1/notices/{created.json['id']}/issue")
    assert again.status_code == 409
    assert again.json["type"].endswith("/conflict")


def test_idempotency_key_replays_and_refuses_other_bodies(api: Api) -> None:
    first = api.post("/v1/debtors", DEBTOR, key="debtor-1")
    replay = api.post("/v1/debtors", DEBTOR, key="debtor-1")
    assert first.status_code == replay.status_code == 201
    assert replay.json == first.json
    assert replay.headers["Idempotent-Replayed"] == "true"
    other = api.post("/v1/debtors", {**DEBTOR, "name": "Autre"}, key="debtor-1")
    assert other.status_code == 422
    assert other.json["type"].endswith("/idempotency-key-reused")


def test_other_tenants_ids_answer_404(api: Api, other_api: Api) -> None:
    ids = open_case(api)
    for path in (f"/v1/cases/{ids['case_id']}", f"/v1/invoices/{ids['invoice_id']}", f"/v1/debtors/{ids['debtor_id']}"):
        response = other_api.get(path)
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json"
    stolen = other_api.post(f"/v1/cases/{ids['case_id']}/notices", {"kind": "formal_notice", "as_of": "2026-06-30"})
    assert stolen.status_code == 404


@pytest.mark.parametrize("path", ["/v1/openapi.json", "/docs", "/docs/docs.js"])
def test_openapi_and_docs_are_served_offline(client: object, path: str) -> None:
    response = client.get(path)  # type: ignore[attr-defined]
    assert response.status_code == 200
    if path.endswith(".json"):
        spec = json.loads(response.data)
        assert spec["openapi"].startswith("3.1")
        assert "/v1/cases/{case_id}/notices" in spec["paths"]
        assert "DebtorCreate" in spec["components"]["schemas"]


def test_unknown_rate_is_refused_until_an_operator_adds_it(api: Api, services: Services) -> None:
    ids = open_case(api)
    refused = api.post(f"/v1/cases/{ids['case_id']}/notices", {"kind": "formal_notice", "as_of": "2026-11-20"})
    assert refused.status_code == 422
    assert refused.json["type"].endswith("/rate-unknown")
    assert refused.json["half_year"] == "2026-S2"
    assert "notice-service rates add" in refused.json["detail"]

    test_rate = RateInput(kind="ecb", effective=date(2026, 7, 1), rate=Decimal("2.15"), source="test fixture")
    add_rate(services, test_rate)
    accepted = api.post(f"/v1/cases/{ids['case_id']}/notices", {"kind": "formal_notice", "as_of": "2026-11-20"})
    assert accepted.status_code == 201, accepted.json
    assert [p["rate"] for p in accepted.json["statement"]["invoices"][0]["periods"]][-1] == "12.15"
    actions = [event["action"] for event in api.get(f"/v1/cases/{ids['case_id']}").json["timeline"]]
    assert "notice:drafted" in actions
