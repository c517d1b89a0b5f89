"""Consumer prescription from delivery or completion (issue 12 finding 8, C. conso. L218-2): an invoice carries
its ``delivered_on`` (default its issue date, said so) and the case shows which date the period counts from."""

from __future__ import annotations

from tests.functional.claims.test_contractual_rate import CONSUMER
from tests.functional.conftest import Api
from tests.functional.notices.test_formal_notice_flow import DEBTOR


def _case(api: Api, debtor_body: dict[str, object], **extra: str) -> dict[str, object]:
    debtor = api.post("/v1/debtors", debtor_body).json["id"]
    body = {"debtor_id": debtor, "number": f"F-{debtor[:8]}", "issue_date": "2025-02-10", "due_date": "2025-03-12"}
    invoice = api.post("/v1/invoices", {**body, "amount_due": "300.00", **extra})
    assert invoice.status_code == 201, invoice.json
    case = api.post("/v1/cases", {"debtor_id": debtor, "invoice_ids": [invoice.json["id"]]})
    assert case.status_code == 201, case.json
    return {"invoice": invoice.json, "case": api.get(f"/v1/cases/{case.json['id']}").json}


def test_consumer_prescription_counts_from_the_delivery_date(api: Api) -> None:
    made = _case(api, CONSUMER, delivered_on="2025-01-31")
    invoice, case = made["invoice"], made["case"]
    assert isinstance(invoice, dict) and isinstance(case, dict)
    assert (invoice["delivered_on"], invoice["delivered_on_source"]) == ("2025-01-31", "invoice")
    [entry] = case["prescription"]
    assert (entry["counted_from"], entry["counted_from_basis"]) == ("2025-01-31", "delivered_on")
    assert entry["prescription_date"] == "2027-01-31"  # two years from delivery, not from the due date


def test_without_a_delivery_date_the_issue_date_counts_and_the_case_says_so(api: Api) -> None:
    case = _case(api, CONSUMER)["case"]
    assert isinstance(case, dict)
    [entry] = case["prescription"]
    assert (entry["counted_from"], entry["counted_from_basis"]) == ("2025-02-10", "issue_date")
    assert "à défaut de date de livraison" in entry["counted_from_reason"]
    assert entry["prescription_date"] == "2027-02-10"


def test_a_business_claim_still_counts_from_the_due_date(api: Api) -> None:
    case = _case(api, DEBTOR, delivered_on="2025-01-31")["case"]
    assert isinstance(case, dict)
    [entry] = case["prescription"]
    assert (entry["counted_from"], entry["prescription_date"]) == ("2025-03-12", "2030-03-12")
