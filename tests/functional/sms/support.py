"""What the SMS functional tests share: the Brevo twin wired into the services, debtors and cases to text."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from notice_service.bootstrap import build_sms_sender
from notice_service.db.models.sms import SmsMessage
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.twins.brevo_sms import API_KEY, BrevoSmsTwin

BUSINESS = {
    "kind": "business",
    "name": "Boulangerie Martin SARL",
    "siren": "732829320",
    "address": {"lines": ["8 avenue Jean Jaurès"], "postal_code": "75019", "city": "Paris", "country": "FR"},
    "phone": "+33612345678",
}
CONSUMER = {
    "kind": "consumer",
    "name": "Jean Dupont",
    "address": {"lines": ["12 rue des Lilas"], "postal_code": "67000", "city": "Strasbourg", "country": "FR"},
    "phone": "+33712345678",
}


@pytest.fixture
def twin(services: Services) -> Iterator[BrevoSmsTwin]:
    """A Brevo twin, and the services configured for Brevo pointing at it (built by the composition root)."""
    started = BrevoSmsTwin()
    services.settings = replace(
        services.settings,
        sms_provider="brevo",
        sms_api_key=API_KEY,
        sms_sender="Lepine",
        sms_base_url=started.base_url,
    ).validate()
    services.sms_sender = build_sms_sender(services.settings)
    yield started
    started.close()


def open_case(api: Api, debtor: dict[str, Any], number: str = "F-2026-0042") -> tuple[str, str]:
    """(debtor id, case id) of a new debtor with one overdue invoice."""
    debtor_id = api.post("/v1/debtors", debtor).json["id"]
    invoice = {
        "debtor_id": debtor_id,
        "number": number,
        "issue_date": "2026-09-01",
        "due_date": "2026-10-01",
        "amount_due": "1034.56",
    }
    invoice_id = api.post("/v1/invoices", invoice).json["id"]
    case = api.post("/v1/cases", {"debtor_id": debtor_id, "invoice_ids": [invoice_id]})
    assert case.status_code == 201, case.json
    return debtor_id, case.json["id"]


def sms_rows(services: Services, case_id: str) -> int:
    """The SMS rows of one case (the PostgreSQL database is shared by the tests: count only this test's)."""
    with services.db.reading() as session:
        query = select(func.count()).select_from(SmsMessage).where(SmsMessage.case_id == case_id)
        return int(session.execute(query).scalar_one())
