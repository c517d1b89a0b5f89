"""``GET /v1/debtors``, ``/v1/invoices`` and ``/v1/payments`` through the API, on SQLite and PostgreSQL: every
page walked newest first whatever the limit, cursors that survive inserts, each filter, tenant isolation (no
other tenant's row, id or cursor ever works), and a sweep of bad query strings answering problems that name the
parameter and change nothing."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest

from notice_service.adapters.system_clock import FixedClock
from notice_service.services import Services
from tests.functional.conftest import NOW, Api
from tests.functional.lists import BAD_QUERIES, assert_problem, counts, ids, newest_first, walk

ADDRESS = {"lines": ["8 avenue Jean Jaurès"], "postal_code": "75019", "city": "Paris"}
DEBTORS = [
    {"kind": "business", "name": "Boulangerie Martin SARL", "siren": "732829320", "address": ADDRESS},
    {"kind": "consumer", "name": "Élise Dupont", "address": ADDRESS},
    {"kind": "business", "name": "Garage Leroy SAS", "siren": "552100554", "address": ADDRESS},
]
#: (debtor index, number, due date, amount, paid): NOW is 20 November 2026.
INVOICES = [
    (0, "F-1", "2026-03-31", "1000.00", "1000.00"),
    (0, "F-2", "2026-05-31", "500.00", "120.00"),
    (1, "F-3", "2026-12-15", "80.00", None),
    (2, "F-4", "2026-04-30", "2500.00", None),
    (2, "F-5", "2027-01-31", "300.00", None),
    (0, "F-6", "2026-10-31", "42.00", None),
]


def _tick(services: Services, seconds: int = 60) -> None:
    """Move the fixed clock on, so the next row is newer."""
    assert isinstance(services.clock, FixedClock)
    services.clock.advance(timedelta(seconds=seconds))


def seed(api: Api, services: Services) -> dict[str, Any]:
    """Three debtors, six invoices (one paid, one part-paid), a case: a minute apart, but F-5 and F-6 together."""
    debtors = []
    for body in DEBTORS:
        _tick(services)
        created = api.post("/v1/debtors", body)
        assert created.status_code == 201, created.json
        debtors.append(created.json["id"])
    invoices = {}
    for position, (debtor, number, due, amount, paid) in enumerate(INVOICES):
        if position != 5:
            _tick(services)
        body = {"debtor_id": debtors[debtor], "number": number, "issue_date": "2026-03-01", "due_date": due}
        created = api.post("/v1/invoices", {**body, "amount_due": amount})
        assert created.status_code == 201, created.json
        invoices[number] = created.json["id"]
        if paid:
            payment = api.post(f"/v1/invoices/{created.json['id']}/payments", {"amount": paid, "paid_on": "2026-04-15"})
            assert payment.status_code == 201, payment.json
    case = api.post("/v1/cases", {"debtor_id": debtors[2], "invoice_ids": [invoices["F-4"]]})
    assert case.status_code == 201, case.json
    return {"debtors": debtors, "invoices": invoices, "case_reference": case.json["reference"]}


@pytest.mark.parametrize("limit", [1, 2, 4, 6, 100])
def test_every_page_newest_first_whatever_the_limit(api: Api, services: Services, limit: int) -> None:
    seeded = seed(api, services)
    items, pages = walk(api, "/v1/invoices", limit)
    assert sorted(ids(items)) == sorted(seeded["invoices"].values())
    assert ids(items) == newest_first(items)
    assert pages == max(1, math.ceil(len(INVOICES) / limit))
    # F-5 and F-6 share their creation instant: the id breaks the tie, the same way on every walk.
    tied = [item for item in items if item["number"] in ("F-5", "F-6")]
    assert tied[0]["created_at"] == tied[1]["created_at"] and tied[0]["id"] > tied[1]["id"]
    debtors, _ = walk(api, "/v1/debtors", limit)
    assert ids(debtors) == newest_first(debtors) and sorted(ids(debtors)) == sorted(seeded["debtors"])


def test_a_cursor_survives_inserts(api: Api, services: Services) -> None:
    seed(api, services)
    before, _ = walk(api, "/v1/invoices", 100)
    first = api.get("/v1/invoices?limit=2").json
    _tick(services)
    debtor_id = before[0]["debtor_id"]
    body = {"debtor_id": debtor_id, "number": "F-NEW", "issue_date": "2026-03-01", "due_date": "2026-06-30"}
    assert api.post("/v1/invoices", {**body, "amount_due": "10.00"}).status_code == 201
    second = api.get(f"/v1/invoices?limit=2&cursor={first['next_cursor']}").json
    assert ids(first["data"]) + ids(second["data"]) == ids(before[:4])
    assert api.get("/v1/invoices?limit=1").json["data"][0]["number"] == "F-NEW"


def test_invoice_filters(api: Api, services: Services) -> None:
    seeded = seed(api, services)
    everything, _ = walk(api, "/v1/invoices", 100)
    by_number = {item["number"]: item for item in everything}
    assert by_number["F-1"]["status"] == "paid" and by_number["F-1"]["balance"] == "0.00"
    assert by_number["F-2"]["status"] == "open" and by_number["F-2"]["balance"] == "380.00"
    today = NOW.date().isoformat()
    cases = {
        f"debtor_id={seeded['debtors'][0]}": lambda i: i["debtor_id"] == seeded["debtors"][0],
        "status=paid": lambda i: i["balance"] == "0.00",
        "status=open": lambda i: i["balance"] != "0.00",
        "status=cancelled": lambda i: False,
        "overdue=true": lambda i: i["balance"] != "0.00" and i["due_date"] < today,
        "overdue=false": lambda i: not (i["balance"] != "0.00" and i["due_date"] < today),
        "due_before=2026-05-31": lambda i: i["due_date"] < "2026-05-31",
        f"debtor_id={seeded['debtors'][0]}&overdue=true": lambda i: (
            i["debtor_id"] == seeded["debtors"][0] and i["overdue"]
        ),
    }
    for query, expected in cases.items():
        for limit in (1, 100):
            found, _ = walk(api, "/v1/invoices", limit, query)
            assert ids(found) == [item["id"] for item in everything if expected(item)], query
    assert {i["number"] for i in walk(api, "/v1/invoices", 2, "overdue=true")[0]} == {"F-2", "F-4", "F-6"}


def test_debtor_search_by_name_siren_or_case_reference(api: Api, services: Services) -> None:
    seeded = seed(api, services)
    martin, dupont, leroy = seeded["debtors"]
    searches = {
        "q=martin": [martin],
        "q=%C3%A9lise": [dupont],  # "élise", any case
        "q=SA": [leroy, martin],  # "SAS" and "SARL", newest first
        "q=732 829 320": [martin],
        f"q={seeded['case_reference']}": [leroy],
        "q=100%25": [],  # "100%": the % is a character, not a wildcard
        "q=nobody": [],
    }
    for query, expected in searches.items():
        assert ids(walk(api, "/v1/debtors", 1, query)[0]) == expected, query


def test_payments_list_and_its_invoice_filter(api: Api, services: Services) -> None:
    seeded = seed(api, services)
    everything, _ = walk(api, "/v1/payments", 1)
    assert sorted(p["invoice_id"] for p in everything) == sorted([seeded["invoices"]["F-1"], seeded["invoices"]["F-2"]])
    assert ids(everything) == newest_first(everything)
    only, _ = walk(api, "/v1/payments", 10, f"invoice_id={seeded['invoices']['F-2']}")
    assert [(p["amount"], p["paid_on"]) for p in only] == [("120.00", "2026-04-15")]


def test_another_tenant_sees_nothing_and_cannot_use_a_cursor_or_an_id(
    api: Api, other_api: Api, services: Services
) -> None:
    seeded = seed(api, services)
    for path in ("/v1/debtors", "/v1/invoices", "/v1/payments"):
        assert other_api.get(path).json == {"data": [], "next_cursor": None}
        cursor = api.get(f"{path}?limit=1").json["next_cursor"]
        assert cursor is not None
        assert_problem(other_api.get(f"{path}?cursor={cursor}"), "cursor")
    assert other_api.get(f"/v1/invoices?debtor_id={seeded['debtors'][0]}").json["data"] == []
    assert other_api.get(f"/v1/payments?invoice_id={seeded['invoices']['F-1']}").json["data"] == []
    debtors_cursor = api.get("/v1/debtors?limit=1").json["next_cursor"]
    assert_problem(api.get(f"/v1/invoices?cursor={debtors_cursor}"), "cursor")  # another list's cursor


LIST_BAD_VALUES = [
    ("/v1/invoices", "status=unpaid", "status"),
    ("/v1/invoices", "overdue=maybe", "overdue"),
    ("/v1/invoices", "due_before=2026-13-01", "due_before"),
    ("/v1/invoices", "due_before=tomorrow", "due_before"),
    ("/v1/invoices", "debtor_id=not-an-id", "debtor_id"),
    ("/v1/invoices", "debtor_id=%00", "debtor_id"),
    ("/v1/debtors", "q=", "q"),
    ("/v1/debtors", "q=a%00b", "q"),
    ("/v1/debtors", "q=" + "x" * 201, "q"),
    ("/v1/debtors", "name=Martin", "name"),
    ("/v1/payments", "invoice_id=123", "invoice_id"),
    *[(path, query, name) for path in ("/v1/debtors", "/v1/invoices", "/v1/payments") for query, name in BAD_QUERIES],
]


def test_bad_queries_answer_a_problem_naming_the_parameter_and_change_nothing(api: Api, services: Services) -> None:
    seed(api, services)
    before = counts(services)
    for path, query, parameter in LIST_BAD_VALUES:
        assert_problem(api.get(f"{path}?{query}"), parameter)
    assert counts(services) == before
    unknown = api.get("/v1/invoices?colour=blue").json["errors"][0]["message"]
    assert "debtor_id" in unknown and "due_before" in unknown  # says what the list accepts


def test_the_document_describes_the_query_parameters(api: Api) -> None:
    document = api.get("/v1/openapi.json").json
    parameters = {p["name"]: p for p in document["paths"]["/v1/invoices"]["get"]["parameters"]}
    assert set(parameters) == {"limit", "cursor", "debtor_id", "status", "overdue", "due_before"}
    assert all(p["in"] == "query" and not p["required"] for p in parameters.values())
    assert (parameters["limit"]["schema"]["minimum"], parameters["limit"]["schema"]["maximum"]) == (1, 100)
    status = parameters["status"]["schema"]["anyOf"][0]
    assert status["enum"] == ["open", "paid", "cancelled"]
    page = document["paths"]["/v1/invoices"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert page["$ref"].endswith("/InvoicePage")


def test_a_listed_invoice_is_its_read_model_on_every_field_they_share(api: Api, services: Services) -> None:
    """Issue 11 item 3: one helper (``invoice_summary_json``) serves the list and ``GET /v1/invoices/{id}``: an
    invoice paid in part and credited in part lists the balance after both, as its read model says."""
    created = seed(api, services)
    credited, fully = created["invoices"]["F-2"], created["invoices"]["F-6"]
    note = {"number": "AV-1", "issued_on": "2026-05-10", "amount": "80.00"}
    assert api.post(f"/v1/invoices/{credited}/credit-notes", note).status_code == 201
    whole = {**note, "number": "AV-2", "amount": "42.00"}
    assert api.post(f"/v1/invoices/{fully}/credit-notes", whole).status_code == 201
    listed = {item["id"]: item for item in walk(api, "/v1/invoices", 100)[0]}
    assert len(listed) == len(INVOICES)
    for invoice_id, item in listed.items():
        read = api.get(f"/v1/invoices/{invoice_id}").json
        shared = set(item) & set(read)
        assert shared >= {"status", "paid", "credited", "balance", "amount_due", "number", "due_date"}
        assert {k: item[k] for k in shared} == {k: read[k] for k in shared}, item["number"]
    assert (listed[credited]["balance"], listed[credited]["credited"]) == ("300.00", "80.00")  # 500 − 120 − 80
    assert (listed[fully]["balance"], listed[fully]["status"]) == ("0.00", "paid")
