"""Real ids for the API-wide tests, built through the API itself: a debtor, an invoice with a payment, a case,
an issued mise en demeure, a delivery, a webhook subscription.

``ids`` maps path-parameter names (``debtor_id``, ``case_id`` …) to a real id of the tenant, so a test generic
over the document can fill any operation's path with ids that exist.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from notice_service.services import Services
from notice_service.use_cases.official_rates import RateInput, add_rate
from tests.functional.conftest import Api

DEBTOR = {
    "kind": "business",
    "name": "Boulangerie Martin SARL",
    "siren": "732829320",
    "address": {"lines": ["8 avenue Jean Jaurès"], "postal_code": "75019", "city": "Paris", "country": "FR"},
}


def fixture_rates(services: Services) -> None:
    """The ECB rate of the second half of 2026, which the shipped tables lack (a test value, not the real one),
    so a décompte as of the fixed clock's today (dossiers) can be computed."""
    add_rate(services, RateInput(kind="ecb", effective=date(2026, 7, 1), rate=Decimal("2.15"), source="test fixture"))


def _created(response: Any) -> str:
    """The id of a creation that must have succeeded."""
    assert response.status_code in (200, 201), response.json
    return str(response.json["id"])


def seed(api: Api) -> dict[str, str]:
    """Create one of each resource and answer their ids by path-parameter name."""
    debtor_id = _created(api.post("/v1/debtors", DEBTOR))
    invoice = {"debtor_id": debtor_id, "number": "F-2026-0042", "issue_date": "2026-03-01"}
    invoice |= {"due_date": "2026-03-31", "amount_due": "1234.56"}
    invoice_id = _created(api.post("/v1/invoices", invoice))
    _created(api.post(f"/v1/invoices/{invoice_id}/payments", {"amount": "200.00", "paid_on": "2026-04-15"}))
    case_id = _created(api.post("/v1/cases", {"debtor_id": debtor_id, "invoice_ids": [invoice_id]}))
    notice = {"kind": "formal_notice", "as_of": "2026-06-30", "issue": True}
    notice_id = _created(api.post(f"/v1/cases/{case_id}/notices", notice))
    delivery = {"channel": "registered_letter", "provider": "manual", "tracking_number": "RR473124829FR"}
    delivery_id = _created(api.post(f"/v1/notices/{notice_id}/deliveries", delivery))
    subscription = {"url": "http://127.0.0.1:9/hook", "event_types": ["notice.issued"]}
    subscription_id = _created(api.post("/v1/webhooks/subscriptions", subscription))
    return {
        "debtor_id": debtor_id,
        "invoice_id": invoice_id,
        "case_id": case_id,
        "notice_id": notice_id,
        "delivery_id": delivery_id,
        "subscription_id": subscription_id,
    }
