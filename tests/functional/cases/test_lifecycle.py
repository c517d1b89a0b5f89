"""Closing and reopening a case, and a case closing itself as paid when payments or credit notes bring its
balance to zero: audited, announced through the outbox, tenant-isolated, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from notice_service.db.models.notices import Notice
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.lifecycle_support import actions, case, debtor, invoice, tenant_id, topics

PROBLEM = "application/problem+json"


def notice_count(services: Services) -> int:
    with services.db.reading() as session:
        return session.execute(select(func.count()).select_from(Notice)).scalar_one()


def test_close_refuses_notices_until_reopened(api: Api, other_api: Api, services: Services) -> None:
    case_id = case(api, (d := debtor(api)), invoice(api, d, "F-1", "100.00"))
    tenant = tenant_id(api)
    assert other_api.post(f"/v1/cases/{case_id}/close", {"reason": "settled"}).status_code == 404
    closed = api.post(f"/v1/cases/{case_id}/close", {"reason": "settled", "note": "accord amiable du 2 avril"})
    assert closed.status_code == 200, closed.json
    assert (closed.json["status"], closed.json["closed_reason"]) == ("closed", "settled")
    assert closed.json["closed_note"] == "accord amiable du 2 avril" and closed.json["closed_at"]

    before = notice_count(services)
    refused = api.post(f"/v1/cases/{case_id}/notices", {"kind": "reminder", "as_of": "2026-06-30"})
    assert refused.status_code == 409 and refused.mimetype == PROBLEM
    assert refused.json["type"].endswith("/case-closed") and "reopen" in refused.json["detail"]
    assert notice_count(services) == before
    again = api.post(f"/v1/cases/{case_id}/close", {"reason": "paid"})
    assert again.status_code == 409 and again.json["closed_reason"] == "settled"

    reopened = api.post(f"/v1/cases/{case_id}/reopen")
    assert reopened.status_code == 200 and reopened.json["status"] == "open"
    assert reopened.json["closed_reason"] is None
    assert api.post(f"/v1/cases/{case_id}/reopen").status_code == 409
    events = [(t, p["case_id"]) for t, p in topics(services, tenant) if t.startswith("case.")]
    assert events == [("case.closed", case_id), ("case.reopened", case_id)]
    assert [p["automatic"] for t, p in topics(services, tenant) if t == "case.closed"] == [False]
    audited = [r["action"] for r in actions(services, tenant) if r["subject"]["id"] == case_id]
    assert audited == ["case:opened", "case:closed", "case:reopened"]
    timeline = [e["action"] for e in api.get(f"/v1/cases/{case_id}").json["timeline"]]
    assert [a for a in timeline if a in ("case:closed", "case:reopened")] == ["case:closed", "case:reopened"]


def test_payments_reaching_zero_close_the_case_as_paid(api: Api, services: Services) -> None:
    d = debtor(api)
    first, second = invoice(api, d, "F-1", "100.00"), invoice(api, d, "F-2", "50.00")
    case_id = case(api, d, first, second)
    assert api.post(f"/v1/invoices/{first}/payments", {"amount": "100.00", "paid_on": "2026-04-02"}).status_code == 201
    assert api.get(f"/v1/cases/{case_id}").json["status"] == "open"  # F-2 is still due
    paid = api.post(f"/v1/invoices/{second}/payments", {"amount": "50.00", "paid_on": "2026-04-03"})
    assert paid.status_code == 201 and paid.json["status"] == "paid"
    read = api.get(f"/v1/cases/{case_id}").json
    assert (read["status"], read["closed_reason"]) == ("closed", "paid")
    closing = [p for t, p in topics(services, tenant_id(api)) if t == "case.closed"]
    assert closing == [
        {"case_id": case_id, "reason": "paid", "note": None, "automatic": True, "closed_at": read["closed_at"]}
    ]


def test_credit_notes_reduce_the_balance_and_close_the_case(api: Api, other_api: Api, services: Services) -> None:
    d = debtor(api)
    inv = invoice(api, d, "F-1", "100.00")
    case_id = case(api, d, inv)
    assert api.post(f"/v1/invoices/{inv}/payments", {"amount": "30.00", "paid_on": "2026-04-02"}).status_code == 201
    body = {"number": "AV-1", "issued_on": "2026-04-05", "amount": "70.00", "reason": "retour de marchandise"}
    assert other_api.post(f"/v1/invoices/{inv}/credit-notes", body).status_code == 404
    credited = api.post(f"/v1/invoices/{inv}/credit-notes", body)
    assert credited.status_code == 201, credited.json
    assert (credited.json["balance"], credited.json["credited"], credited.json["status"]) == ("0.00", "70.00", "paid")
    assert [(c["number"], c["amount"]) for c in credited.json["credit_notes"]] == [("AV-1", "70.00")]
    read = api.get(f"/v1/cases/{case_id}").json
    assert (read["status"], read["closed_reason"]) == ("closed", "paid")
    assert [i["id"] for i in read["invoices"]] == [inv]  # paid in part: it stays, its penalties still count
    tenant = tenant_id(api)
    assert [t for t, _ in topics(services, tenant) if t in ("credit_note.recorded", "case.closed")] == [
        "credit_note.recorded",
        "case.closed",
    ]
    recorded = [r for r in actions(services, tenant) if r["action"] == "credit_note:recorded"]
    assert recorded[0]["subject"] == {"type": "invoice", "id": inv} and recorded[0]["data"]["amount"] == "70.00"


def test_a_fully_credited_invoice_leaves_its_case(api: Api, services: Services) -> None:
    d = debtor(api)
    kept, credited = invoice(api, d, "F-1", "100.00"), invoice(api, d, "F-2", "40.00")
    case_id = case(api, d, kept, credited)
    note = {"number": "AV-2", "issued_on": "2026-04-05", "amount": "40.00"}
    assert api.post(f"/v1/invoices/{credited}/credit-notes", note).status_code == 201
    read = api.get(f"/v1/cases/{case_id}").json
    assert [i["id"] for i in read["invoices"]] == [kept] and read["status"] == "open"
    removed = [r for r in actions(services, tenant_id(api)) if r["action"] == "case:invoice_removed"]
    assert [(r["subject"]["id"], r["data"]["invoice_id"]) for r in removed] == [(case_id, credited)]

    cancelled = api.post(f"/v1/invoices/{kept}/cancel", {"credit_note_number": "AV-3", "issued_on": "2026-04-06"})
    assert cancelled.status_code == 200, cancelled.json
    assert (cancelled.json["status"], cancelled.json["credited"], cancelled.json["balance"]) == (
        "cancelled",
        "100.00",
        "0.00",
    )
    read = api.get(f"/v1/cases/{case_id}").json
    assert (read["invoices"], read["status"], read["closed_reason"]) == ([], "closed", "paid")
    refused = api.post(f"/v1/invoices/{kept}/payments", {"amount": "1.00", "paid_on": "2026-04-07"})
    assert refused.status_code == 409 and refused.mimetype == PROBLEM
    assert (
        api.post(f"/v1/invoices/{kept}/cancel", {"credit_note_number": "AV-4", "issued_on": "2026-04-07"}).status_code
        == 409
    )
    assert "invoice.cancelled" in [t for t, _ in topics(services, tenant_id(api))]
