"""A consumer debtor with every kind of personal data the service holds, and a way to read every row of a tenant.

``held_debtor`` builds it through the API (a letter issued and posted with its AR, a part payment with a bank
reference, a call with notes, a promise with a note, a dispute, a case document, an SMS through the Brevo twin, a
closing note). Each personal datum carries a marker that appears nowhere else (``MARKERS``), so a scan of the
tenant's rows (``tenant_rows``) shows where any of it is still held.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from notice_service.adapters.system_clock import FixedClock
from notice_service.db.models.base import Base
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.delivery.test_deliveries import give_lre_consent

NAME = "Amélie Quixotte-Zarbo"
EMAIL = "amelie.zarbo@quixotte.example"
PHONE = "+33698765432"
STREET = "17 impasse des Zinnias-Quixotte"
CONSUMER = {
    "kind": "consumer",
    "name": NAME,
    "email": EMAIL,
    "phone": PHONE,
    "address": {"lines": [STREET], "postal_code": "67000", "city": "Strasbourg", "country": "FR"},
}
CALL_NOTES = "Mme Zarbo dit attendre sa prime Quixotte"
CALLER = "Gaspard Quixotte-Appel"
PROMISE_NOTE = "promesse Quixotte-Promesse"
DISPUTE = "Conteste la facture: Quixotte-Litige"
CLOSING_NOTE = "accord amiable avec Quixotte-Cloture"
PAYMENT_REFERENCE = "VIR QUIXOTTE-ZARBO"
SMS_TEXT = "Bonjour Quixotte-Sms, votre facture reste due."
MARKERS = ("Quixotte", "Zarbo", "Zinnias", PHONE, "98765432")
#: every row kind the export must hold for the held debtor
KINDS = (
    "debtor", "invoices", "payments", "cases", "case_invoices", "notices", "deliveries", "delivery_evidence",
    "events", "calls", "sms", "promises", "disputes", "documents", "consents",
)  # fmt: skip
PRESCRIBED = datetime(2029, 1, 15, 9, 0, tzinfo=UTC)  # B2C: 2 years from the last payment (20 Nov 2026)


def _created(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.json
    return dict(response.json)


def _follow_up(api: Api, case_id: str) -> None:
    call = {"called_at": "2026-11-20T09:00:00+01:00", "caller": CALLER, "outcome": "reached", "notes": CALL_NOTES}
    _created(api.post(f"/v1/cases/{case_id}/calls", call))
    promise = {"amount": "100.00", "date": "2026-11-30", "note": PROMISE_NOTE}
    _created(api.post(f"/v1/cases/{case_id}/promises", promise))
    _created(api.post(f"/v1/cases/{case_id}/disputes", {"raised_on": "2026-11-02", "summary": DISPUTE}))
    form = {"file": (io.BytesIO(b"%PDF-1.4\n% contrat\n"), "contrat.pdf"), "kind": "contract", "title": "Quixotte"}
    _created(
        api.client.post(
            f"/v1/cases/{case_id}/documents", data=form, headers=api.headers, content_type="multipart/form-data"
        )
    )
    _created(api.post(f"/v1/cases/{case_id}/sms", {"text": SMS_TEXT}))


def _consent(api: Api, debtor_id: str) -> None:
    """The consumer's consent to electronic registered letters, at its e-mail address, with its proof."""
    proof = b"%PDF-1.4\n% consentement\n"
    _created(give_lre_consent(api, debtor_id, email=EMAIL, given_on="2026-11-01", proof=proof, name="consent.pdf"))


def _letter(api: Api, case_id: str) -> dict[str, Any]:
    notice = _created(
        api.post(f"/v1/cases/{case_id}/notices", {"kind": "reminder", "as_of": "2026-06-30", "issue": True})
    )
    delivery = _created(
        api.post(
            f"/v1/notices/{notice['id']}/deliveries",
            {"channel": "registered_letter", "provider": "manual", "tracking_number": "RR123456785FR"},
        )
    )
    scan = {"file": (io.BytesIO(b"%PDF-1.4\n% AR\n"), "ar.pdf"), "kind": "acknowledgement_of_receipt"}
    _created(
        api.client.post(
            f"/v1/deliveries/{delivery['id']}/evidence",
            data={**scan, "shown_on": "2026-11-19"},
            headers=api.headers,
            content_type="multipart/form-data",
        )
    )
    return notice


def held_debtor(api: Api, *, close: bool = True, n: int = 1) -> dict[str, Any]:
    """The consumer debtor, one invoice (due 31 March 2026, part paid 20 November), its case with a letter and
    every follow-up; closed (``settled``, with a note) unless ``close`` is false; ``n`` numbers a second one."""
    debtor = _created(api.post("/v1/debtors", CONSUMER, key=f"privacy-debtor-{n}"))  # its response kept for replays
    body = {"debtor_id": debtor["id"], "number": f"F-Q-{n}", "issue_date": "2026-03-01", "due_date": "2026-03-31"}
    invoice = _created(api.post("/v1/invoices", {**body, "amount_due": "1234.56"}))
    case = _created(api.post("/v1/cases", {"debtor_id": debtor["id"], "invoice_ids": [invoice["id"]]}))
    payment = {"amount": "200.00", "paid_on": "2026-11-20", "reference": PAYMENT_REFERENCE}
    _created(api.post(f"/v1/invoices/{invoice['id']}/payments", payment))
    notice = _letter(api, case["id"])
    _follow_up(api, case["id"])
    _consent(api, debtor["id"])
    if close:
        _created(api.post(f"/v1/cases/{case['id']}/close", {"reason": "settled", "note": CLOSING_NOTE}))
    return {"debtor_id": debtor["id"], "invoice_id": invoice["id"], "case_id": case["id"], "notice": notice}


def move_to(services: Services, moment: datetime) -> None:
    assert isinstance(services.clock, FixedClock)
    services.clock.advance(moment - services.clock.now())


def tenant_rows(services: Services, tenant_id: str) -> dict[str, list[str]]:
    """Every row of every table that has a ``tenant_id``, as JSON text, table by table (sorted); but ``api_keys``,
    whose ``last_used_at`` every request moves (and which holds no debtor's data)."""
    found: dict[str, list[str]] = {}
    with services.db.reading() as session:
        for table in Base.metadata.sorted_tables:
            if "tenant_id" not in table.c or table.name == "api_keys":
                continue
            rows = session.execute(select(table).where(table.c.tenant_id == tenant_id)).mappings()
            texts = sorted(json.dumps(dict(row), default=str, ensure_ascii=False, sort_keys=True) for row in rows)
            if texts:
                found[table.name] = texts
    return found


def personal_data_left(rows: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(table, marker) for each marker still found in a row (whatever its case)."""
    found = {
        (table, m) for table, texts in rows.items() for text in texts for m in MARKERS if m.lower() in text.lower()
    }
    return sorted(found)
