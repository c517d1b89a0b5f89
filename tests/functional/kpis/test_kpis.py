"""``GET /v1/kpis`` on a small hand-made dataset, on SQLite and PostgreSQL; every expected figure below is
worked out by hand in the comments (never by re-running the service's SQL).

Period: 2026-10-01 to 2026-10-31 (31 days). Debtors, invoices, payments, credit notes and cases go through
the API; the issued notices are written as rows (their letters are not the subject here, only their kind,
status and date, which is what the measures read).

| debtor | invoices (amount, issued, due) | notices (kind, as_of) | payments, credit notes |
| --- | --- | --- | --- |
| A | A1 1000.00, 08-01, 08-31 | reminder 09-05, second_reminder 10-05, formal_notice 10-20 | 200 10-10, 800 10-25 |
| B | B1 500.00, 09-01, 10-01; B2 300.50, 10-10, 11-09 | reminder 10-03 | B1 500.00 10-13; B2 100.25 11-05 |
| C (consumer) | C1 2000.00, 06-01, 07-01 | reminder 10-02 | 500.00 09-15, 250.00 10-20; avoir 100.00 10-22 |
| D | D1 400.00, 10-05, 10-20 (case); D2 250.00, 09-10, 10-01; D3 99.99, 10-01, 10-31 | none | D1 400.00 10-28 |
| E | E1 600.00, 08-15, 09-14; E2 700.00, 07-20, 08-20; E3 50.00, 10-01, 10-15 | reminder 09-20 | none |

E3 is cancelled on 10-12; E also has a *draft* second_reminder dated 10-10.
| F | F1 800.00, 08-20, 09-19 | reminder 10-06 | 800.00 10-10 |
| G | G1 120.00, 09-01, 09-30 | reminder 10-08 | 120.00 10-15 |

Another tenant has an invoice of 9999.99 issued 10-05 with a reminder on 10-10: it must change nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from notice_service.db.models.notices import Notice
from notice_service.services import Services
from notice_service.use_cases.actor import new_id
from tests.functional.conftest import Api

PERIOD = "/v1/kpis?from=2026-10-01&to=2026-10-31"


def _debtor(api: Api, name: str, kind: str = "business") -> str:
    body: dict[str, Any] = {
        "kind": kind,
        "name": name,
        "address": {"lines": ["1 rue de la Paix"], "postal_code": "75002", "city": "Paris", "country": "FR"},
    }
    if kind == "business":
        body["siren"] = "732829320"
    created = api.post("/v1/debtors", body)
    assert created.status_code == 201, created.json
    return str(created.json["id"])


def _invoice(api: Api, debtor_id: str, number: str, amount: str, issued: str, due: str) -> str:
    body = {"debtor_id": debtor_id, "number": number, "issue_date": f"2026-{issued}", "due_date": f"2026-{due}"}
    created = api.post("/v1/invoices", {**body, "amount_due": amount})
    assert created.status_code == 201, created.json
    return str(created.json["id"])


def _case(api: Api, debtor_id: str, invoice_ids: list[str]) -> str:
    created = api.post("/v1/cases", {"debtor_id": debtor_id, "invoice_ids": invoice_ids})
    assert created.status_code == 201, created.json
    return str(created.json["id"])


def _pay(api: Api, invoice_id: str, amount: str, on: str) -> None:
    paid = api.post(f"/v1/invoices/{invoice_id}/payments", {"amount": amount, "paid_on": f"2026-{on}"})
    assert paid.status_code == 201, paid.json


def _notice(services: Services, tenant_id: str, case_id: str, kind: str, on: str, status: str = "issued") -> None:
    with services.db.transaction() as session:
        session.add(
            Notice(
                id=new_id(),
                tenant_id=tenant_id,
                case_id=case_id,
                kind=kind,
                variant="b2b",
                status=status,
                as_of=date.fromisoformat(f"2026-{on}"),
                options={},
                letter_data={},
                statement={},
                template_digest="0" * 64,
                created_at=datetime(2026, 11, 1, tzinfo=UTC),
            )
        )


def _tenant_id(api: Api) -> str:
    return str(api.get("/v1/tenant").json["id"])


def _seed(api: Api, services: Services) -> None:
    tenant = _tenant_id(api)
    a = _debtor(api, "A")
    a1 = _invoice(api, a, "A1", "1000.00", "08-01", "08-31")
    case_a = _case(api, a, [a1])
    for kind, on in (("reminder", "09-05"), ("second_reminder", "10-05"), ("formal_notice", "10-20")):
        _notice(services, tenant, case_a, kind, on)
    _pay(api, a1, "200.00", "10-10")
    _pay(api, a1, "800.00", "10-25")

    b = _debtor(api, "B")
    b1 = _invoice(api, b, "B1", "500.00", "09-01", "10-01")
    b2 = _invoice(api, b, "B2", "300.50", "10-10", "11-09")
    case_b = _case(api, b, [b1, b2])
    _notice(services, tenant, case_b, "reminder", "10-03")
    _pay(api, b1, "500.00", "10-13")
    _pay(api, b2, "100.25", "11-05")

    c = _debtor(api, "C", kind="consumer")
    c1 = _invoice(api, c, "C1", "2000.00", "06-01", "07-01")
    case_c = _case(api, c, [c1])
    _notice(services, tenant, case_c, "reminder", "10-02")
    _pay(api, c1, "500.00", "09-15")
    _pay(api, c1, "250.00", "10-20")
    credited = api.post(
        f"/v1/invoices/{c1}/credit-notes", {"number": "AV-C1", "issued_on": "2026-10-22", "amount": "100.00"}
    )
    assert credited.status_code == 201, credited.json

    d = _debtor(api, "D")
    d1 = _invoice(api, d, "D1", "400.00", "10-05", "10-20")
    _case(api, d, [d1])
    _invoice(api, d, "D2", "250.00", "09-10", "10-01")
    _invoice(api, d, "D3", "99.99", "10-01", "10-31")
    _pay(api, d1, "400.00", "10-28")

    e = _debtor(api, "E")
    e1 = _invoice(api, e, "E1", "600.00", "08-15", "09-14")
    e2 = _invoice(api, e, "E2", "700.00", "07-20", "08-20")
    e3 = _invoice(api, e, "E3", "50.00", "10-01", "10-15")
    cancelled = api.post(f"/v1/invoices/{e3}/cancel", {"credit_note_number": "AV-E3", "issued_on": "2026-10-12"})
    assert cancelled.status_code == 200, cancelled.json
    case_e = _case(api, e, [e1, e2])
    _notice(services, tenant, case_e, "reminder", "09-20")
    _notice(services, tenant, case_e, "second_reminder", "10-10", status="draft")

    for name, amount, issued, due, noticed, paid in (
        ("F", "800.00", "08-20", "09-19", "10-06", "10-10"),
        ("G", "120.00", "09-01", "09-30", "10-08", "10-15"),
    ):
        debtor = _debtor(api, name)
        invoice = _invoice(api, debtor, f"{name}1", amount, issued, due)
        case_id = _case(api, debtor, [invoice])
        _notice(services, tenant, case_id, "reminder", noticed)
        _pay(api, invoice, amount, paid)


def _seed_other(api: Api, services: Services) -> None:
    debtor = _debtor(api, "Z")
    invoice = _invoice(api, debtor, "Z1", "9999.99", "10-05", "10-06")
    case_id = _case(api, debtor, [invoice])
    _notice(services, _tenant_id(api), case_id, "reminder", "10-10")
    _pay(api, invoice, "9999.99", "10-20")


@pytest.fixture
def seeded(api: Api, other_api: Api, services: Services) -> Api:
    _seed(api, services)
    _seed_other(other_api, services)
    return api


def test_the_measures_of_the_period(seeded: Api) -> None:
    answer = seeded.get(PERIOD)
    assert answer.status_code == 200, answer.json
    kpis = answer.json
    assert (kpis["from"], kpis["to"]) == ("2026-10-01", "2026-10-31")
    # Aging at 10-31 (days past due = 10-31 − due): B2 due 11-09 not yet due → current 300.50; D2 due 10-01 (30
    # days) and D3 due 10-31 (0 days) → 0-30, 250.00 + 99.99 = 349.99; E1 due 09-14 (47) → 31-60 600.00; E2 due
    # 08-20 (72) → 61-90 700.00; C1 due 07-01 (122) → over 90: 2000.00 − 500.00 − 250.00 − 100.00 = 1150.00.
    # A1, B1, D1, F1, G1 are paid; E3 is cancelled. B2's payment of 11-05 is after `to`.
    assert kpis["aging"] == {
        "at": "2026-10-31",
        "buckets": [
            {"bucket": "current", "count": 1, "amount": "300.50"},
            {"bucket": "0-30", "count": 2, "amount": "349.99"},
            {"bucket": "31-60", "count": 1, "amount": "600.00"},
            {"bucket": "61-90", "count": 1, "amount": "700.00"},
            {"bucket": "over_90", "count": 1, "amount": "1150.00"},
        ],
        "total": "3100.49",
    }
    # DSO: sales = invoices issued in October, E3 (cancelled) aside: B2 300.50 + D1 400.00 + D3 99.99 = 800.49;
    # 3100.49 / 800.49 × 31 = 120.07… → 120.1.
    assert kpis["dso"]["days"] == "120.1"
    assert (kpis["dso"]["receivables"], kpis["dso"]["sales"], kpis["dso"]["period_days"]) == ("3100.49", "800.49", 31)
    # Chased: invoices with an issued notice in October, issued by then, at their balance that day: A1 1000.00
    # (10-05), B1 500.00 (10-03; B2 was issued after it), C1 2000.00 − 500.00 = 1500.00 (10-02), F1 800.00, G1
    # 120.00 → 3920.00. Recovered from then to 10-31: 200 + 800 + 500 + 250 + 800 + 120 = 2670.00 (C1's avoir is
    # not money). 2670 / 3920 = 0.68112… → 0.6811. E's notice in October is a draft: E is not chased.
    assert kpis["recovery"] == {
        "chased_invoices": 5,
        "chased": "3920.00",
        "recovered": "2670.00",
        "rate": "0.6811",
        "formula": kpis["recovery"]["formula"],
    }
    # Steps of October: formal_notice A (10-20), paid 10-25 with nothing after it: 1/1, 5 days. reminder B, C,
    # F, G: F paid 4 days after (10-06 → 10-10), G 7 days (10-08 → 10-15), B and C still owe: 2/4, median
    # (4 + 7) / 2 = 5.5. second_reminder A (10-05): a formal notice came before the payment: 0/1.
    assert kpis["steps"] == [
        {"kind": "formal_notice", "cases": 1, "paid_after": 1, "share": "1.0000", "median_days_to_pay": "5"},
        {"kind": "reminder", "cases": 4, "paid_after": 2, "share": "0.5000", "median_days_to_pay": "5.5"},
        {"kind": "second_reminder", "cases": 1, "paid_after": 0, "share": "0.0000", "median_days_to_pay": None},
    ]
    # Settled in October: A1 (10-25; 3 notices up to then, the September reminder included), B1 (10-13; 1),
    # D1 (10-28; 0), F1 (10-10; 1), G1 (10-15; 1): 6 notices / 5 invoices = 1.20.
    reminders = kpis["reminders"]
    assert (reminders["paid_invoices"], reminders["reminders"], reminders["per_paid_invoice"]) == (5, 6, "1.20")


def test_a_period_before_anything_answers_zeros_and_nulls(seeded: Api) -> None:
    kpis = seeded.get("/v1/kpis?from=2025-01-01&to=2025-01-31").json
    assert kpis["dso"]["days"] is None and kpis["dso"]["sales"] == "0.00"
    assert kpis["recovery"]["rate"] is None and kpis["recovery"]["chased"] == "0.00"
    assert kpis["steps"] == [] and kpis["reminders"]["per_paid_invoice"] is None
    assert kpis["aging"]["total"] == "0.00"


def test_the_default_period_is_the_90_days_to_today_in_paris(api: Api) -> None:
    kpis = api.get("/v1/kpis").json  # the fixed clock: 2026-11-20 09:30 UTC
    assert (kpis["from"], kpis["to"]) == ("2026-08-23", "2026-11-20")
    assert api.get("/v1/kpis?to=2026-10-31").json["from"] == "2026-08-03"


def test_a_read_only_key_may_read_the_measures(api: Api) -> None:
    created = api.post("/v1/api-keys", {"name": "dashboard", "scope": "read"})
    reader = api.client.get(PERIOD, headers={"Authorization": f"Bearer {created.json['key']}"})
    assert reader.status_code == 200 and reader.json["to"] == "2026-10-31"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-10-31&to=2026-10-01", "from"),
        ("from=2026-13-01&to=2026-10-31", "from"),
        ("from=yesterday", "from"),
        ("to=2026-10-31T00:00:00Z", "to"),
        ("from=20261001", "from"),
        ("from=2025-10-01&to=2026-10-31", "from"),  # 396 days
        ("from=2026-10-01&to=2026-10-31&currency=EUR", "currency"),
        ("from=2026-10-01&from=2026-10-02", "from"),
        ("from_=2026-10-01", "from_"),
    ],
)
def test_bad_queries_answer_a_problem_naming_the_parameter(api: Api, query: str, field: str) -> None:
    refused = api.get(f"/v1/kpis?{query}")
    assert refused.status_code == 422, refused.json
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json["type"].endswith("/invalid-input")
    assert field in [error["field"] for error in refused.json["errors"]]


def test_the_longest_period_is_accepted(api: Api) -> None:
    assert api.get("/v1/kpis?from=2025-10-31&to=2026-10-31").status_code == 200  # 366 days


def test_amounts_without_cents_or_with_one_decimal_add_up_exactly(api: Api) -> None:
    """``"1000"``, ``"12.5"`` and ``"0.05"`` are valid amounts: the SQL reads them as 100000, 1250 and 5 cents
    (on SQLite by splitting the text at the point; never through a float)."""
    debtor = _debtor(api, "Exact")
    first = _invoice(api, debtor, "X1", "1000", "10-01", "10-15")
    _invoice(api, debtor, "X2", "12.5", "10-02", "10-20")
    _invoice(api, debtor, "X3", "0.05", "10-03", "11-30")
    _pay(api, first, "0.1", "10-20")
    kpis = api.get(PERIOD).json
    # X1 1000.00 − 0.10 = 999.90 and X2 12.50 are 0-30 days past due at 10-31; X3 0.05 is not yet due.
    assert kpis["aging"]["total"] == "1012.45"
    assert [b["amount"] for b in kpis["aging"]["buckets"]] == ["0.05", "1012.40", "0.00", "0.00", "0.00"]
    assert kpis["dso"]["sales"] == "1012.55"  # 1000 + 12.50 + 0.05
