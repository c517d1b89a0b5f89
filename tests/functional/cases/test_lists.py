"""``GET /v1/cases`` through the API, on SQLite and PostgreSQL: newest first across pages, the status and
debtor filters, tenant isolation, and bad queries answered with a problem naming the parameter, changing
nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from notice_service.adapters.system_clock import FixedClock
from notice_service.db.models.cases import Case
from notice_service.services import Services
from tests.functional.claims.test_lists import ADDRESS
from tests.functional.conftest import Api
from tests.functional.lists import BAD_QUERIES, assert_problem, counts, ids, newest_first, walk


def _cases(api: Api, services: Services, invoices: list[str] | None = None) -> tuple[list[str], list[str]]:
    """Two debtors; three cases for the first, one for the second (two opened at the same instant)."""
    assert isinstance(services.clock, FixedClock)
    debtors, cases = [], []
    for name in ("Boulangerie Martin SARL", "Garage Leroy SAS"):
        body = {"kind": "business", "name": name, "siren": "732829320", "address": ADDRESS}
        debtors.append(api.post("/v1/debtors", body).json["id"])
    for number, debtor in enumerate([0, 0, 1, 0]):
        if number != 3:
            services.clock.advance(timedelta(minutes=5))
        invoice = {"debtor_id": debtors[debtor], "number": f"F-{number}", "issue_date": "2026-03-01"}
        invoice_id = api.post("/v1/invoices", {**invoice, "due_date": "2026-03-31", "amount_due": "90.00"}).json["id"]
        if invoices is not None:
            invoices.append(invoice_id)
        created = api.post("/v1/cases", {"debtor_id": debtors[debtor], "invoice_ids": [invoice_id]})
        assert created.status_code == 201, created.json
        cases.append(created.json["id"])
    return debtors, cases


def test_cases_newest_first_and_filtered(api: Api, services: Services) -> None:
    debtors, cases = _cases(api, services)
    with services.db.transaction() as session:  # closing a case is its own operation (issue 11, life cycle)
        session.execute(update(Case).where(Case.id == cases[1]).values(status="closed"))
    everything, pages = walk(api, "/v1/cases", 1)
    assert pages == 4 and sorted(ids(everything)) == sorted(cases)
    assert ids(everything) == newest_first(everything)
    assert {item["status"] for item in everything} == {"open", "closed"}
    for query, expected in {
        "status=closed": lambda item: item["status"] == "closed",
        "status=open": lambda item: item["status"] == "open",
        f"debtor_id={debtors[0]}": lambda item: item["debtor_id"] == debtors[0],
        f"debtor_id={debtors[1]}&status=open": lambda item: item["debtor_id"] == debtors[1],
    }.items():
        assert ids(walk(api, "/v1/cases", 1, query)[0]) == [i["id"] for i in everything if expected(i)], query
    reference = everything[0]["reference"]
    assert reference.startswith("DOS-") and everything[0]["debtor_id"] in debtors


def test_next_step_filter_agrees_with_the_case_page(api: Api, services: Services) -> None:
    invoices: list[str] = []
    debtors, cases = _cases(api, services, invoices)  # every invoice past due, no letter: a reminder is next
    paid = api.post(f"/v1/invoices/{invoices[0]}/payments", {"amount": "90.00", "paid_on": "2026-04-15"})
    assert paid.status_code == 201, paid.json
    issued = api.post(f"/v1/cases/{cases[2]}/notices", {"kind": "reminder", "as_of": "2026-06-30", "issue": True})
    assert issued.status_code == 201, issued.json
    future = {"debtor_id": debtors[1], "number": "F-later", "issue_date": "2026-11-01", "due_date": "2026-12-31"}
    later = api.post("/v1/invoices", {**future, "amount_due": "10.00"}).json["id"]
    cases.append(api.post("/v1/cases", {"debtor_id": debtors[1], "invoice_ids": [later]}).json["id"])
    expected = {cases[0]: "none", cases[1]: "reminder", cases[2]: "second_reminder", cases[3]: "reminder"}
    expected[cases[4]] = "pre_reminder"
    listed = {item["id"]: item["next_step"] for item in walk(api, "/v1/cases", 2)[0]}
    assert listed == expected
    for case_id, action in expected.items():
        assert api.get(f"/v1/cases/{case_id}").json["next_step"]["action"] == action
    for action in ("none", "pre_reminder", "reminder", "second_reminder", "formal_notice", "injonction_de_payer"):
        found = walk(api, "/v1/cases", 1, f"next_step={action}")[0]
        assert sorted(ids(found)) == sorted(c for c, a in expected.items() if a == action), action


def test_cases_of_another_tenant_never_show(api: Api, other_api: Api, services: Services) -> None:
    debtors, _ = _cases(api, services)
    cursor = api.get("/v1/cases?limit=1").json["next_cursor"]
    assert other_api.get("/v1/cases").json == {"data": [], "next_cursor": None}
    assert other_api.get(f"/v1/cases?debtor_id={debtors[0]}").json["data"] == []
    assert_problem(other_api.get(f"/v1/cases?cursor={cursor}"), "cursor")


def test_bad_case_queries_are_problems_and_change_nothing(api: Api, services: Services) -> None:
    _cases(api, services)
    before = counts(services)
    for query, parameter in [
        ("status=pending", "status"),
        ("status=OPEN", "status"),
        ("debtor_id=42", "debtor_id"),
        ("next_steps=reminder", "next_steps"),
        ("next_step=relance", "next_step"),
        *BAD_QUERIES,
    ]:
        assert_problem(api.get(f"/v1/cases?{query}"), parameter)
    assert counts(services) == before
