"""Credit notes in the décompte, the letter and the dossier's décompte: an invoice of 1 234,56 € credited
234,56 € is claimed exactly like an invoice of 1 000 € (no penalty on the credited part), and every document
shows the avoir; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

from notice_service.services import Services
from notice_service.use_cases.dossier.documents import decompte_csv
from tests.functional.conftest import Api
from tests.functional.lifecycle_support import case, debtor, invoice

PROBLEM = "application/problem+json"


def draft(api: Api, case_id: str, *, issue: bool = False) -> dict[str, object]:
    created = api.post(f"/v1/cases/{case_id}/notices", {"kind": "reminder", "as_of": "2026-06-30", "issue": issue})
    assert created.status_code == 201, created.json
    return dict(created.json)


def test_a_credit_note_is_claimed_as_the_smaller_invoice(api: Api, other_api: Api, services: Services) -> None:
    d = debtor(api)
    inv = invoice(api, d, "F-1", "1234.56")
    note = {"number": "AV-1", "issued_on": "2026-05-10", "amount": "234.56", "reason": "remise accordée"}
    assert api.post(f"/v1/invoices/{inv}/credit-notes", note).status_code == 201
    credited = draft(api, case(api, d, inv), issue=True)
    twin_debtor = debtor(other_api)
    twin = draft(other_api, case(other_api, twin_debtor, invoice(other_api, twin_debtor, "F-1", "1000.00")))

    statement, plain = credited["statement"], twin["statement"]
    assert isinstance(statement, dict) and isinstance(plain, dict)
    assert (statement["principal"], statement["credited"], plain["credited"]) == ("1234.56", "234.56", "0.00")
    for key in ("interest", "indemnities", "total"):
        assert statement[key] == plain[key], key
    (line,) = statement["invoices"]
    assert line["balance"] == "1000.00" and line["periods"] == plain["invoices"][0]["periods"]
    assert line["credit_notes"] == [{"number": "AV-1", "issued_on": "2026-05-10", "amount": "234.56"}]
    assert credited["status"] == "issued"  # the invoice's balance printed as the mentions check expects

    text = services.text_extractor.extract_text(api.get(f"/v1/notices/{credited['id']}/pdf").data)
    assert "Avoirs" in text and "234,56" in text
    twin_text = services.text_extractor.extract_text(other_api.get(f"/v1/notices/{twin['id']}/pdf").data)
    assert "Avoirs" not in twin_text

    rows = list(csv.reader(io.StringIO(decompte_csv(statement).decode()), delimiter=";"))
    avoirs = [row for row in rows if row[0] == "avoir"]
    amount = rows[0].index("montant")
    assert [(row[1], row[2], row[amount]) for row in avoirs] == [("F-1", "2026-05-10", "-234.56")]
    assert all(len(row) == len(rows[0]) == 15 for row in rows)  # the total row too (issue 12 gap, item 4)
    assert rows[-1][0] == "total" and rows[-1][rows[0].index("montant")] == statement["total"]
    assert rows[-1][rows[0].index("balance")] == "1000.00"  # 1234.56 − 234.56 credited


def test_bad_credit_notes_are_refused_and_change_nothing(api: Api, services: Services) -> None:
    d = debtor(api)
    inv = invoice(api, d, "F-1", "100.00")
    assert api.post(f"/v1/invoices/{inv}/payments", {"amount": "40.00", "paid_on": "2026-04-02"}).status_code == 201
    before = api.get(f"/v1/invoices/{inv}").json
    good = {"number": "AV-1", "issued_on": "2026-04-05", "amount": "10.00"}
    cases = [
        ({**good, "amount": "60.01"}, 422, "amount"),  # over the balance (100 − 40)
        ({**good, "amount": "0.00"}, 422, "amount"),
        ({**good, "amount": "-5.00"}, 422, "amount"),
        ({**good, "amount": 5}, 422, "amount"),
        ({**good, "issued_on": "2026-02-28"}, 422, "issued_on"),  # before the invoice
        ({**good, "issued_on": "2026-12-01"}, 422, "issued_on"),  # in the future
        ({**good, "number": ""}, 422, "number"),
        ({k: v for k, v in good.items() if k != "number"}, 422, "number"),
    ]
    for body, status, field in cases:
        answer = api.post(f"/v1/invoices/{inv}/credit-notes", body)
        assert answer.status_code == status and answer.mimetype == PROBLEM, (body, answer.json)
        assert field in [e["field"] for e in answer.json["errors"]], (body, answer.json)
    assert api.post(f"/v1/invoices/{inv}/credit-notes", good).status_code == 201
    duplicate = api.post(f"/v1/invoices/{inv}/credit-notes", {**good, "amount": "1.00"})
    assert duplicate.status_code == 409 and duplicate.json["errors"][0]["field"] == "number"
    paid_on = api.post(f"/v1/invoices/{inv}/cancel", {"credit_note_number": "AV-9", "issued_on": "2026-04-06"})
    assert paid_on.status_code == 409 and "credit note" in paid_on.json["detail"]
    after = api.get(f"/v1/invoices/{inv}").json
    assert after["credit_notes"][0]["number"] == "AV-1" and len(after["credit_notes"]) == 1
    assert (after["balance"], before["balance"]) == ("50.00", "60.00")
