"""A debtor driven through the default plan day by day, on SQLite and PostgreSQL.

Invoice A is due on Saturday 7 March 2026, invoice B on Friday 20 March (it joins the case five days before,
for the pre-reminder window of the plan). The default plan: J-5 pre-reminder, J+1 reminder, J+15 second
reminder, J+30 mise en demeure, and the injonction proposal 15 days after the mise en demeure. Its J+1 falls
on Sunday 8 March, J+15 on Sunday 22 March and J+30 on Easter Monday, 6 April 2026: when the tenant asks for
working days only, each waits for the next working day at the debtor's address.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from notice_service.db.models.cases import Case
from notice_service.db.models.dunning import StepTaken
from notice_service.db.models.notices import Notice
from notice_service.db.models.pauses import CasePause
from notice_service.use_cases.cases.pause_schedule import settle_due_pauses
from notice_service.worker import run_until_idle
from tests.functional.dunning.support import Desk, days

A_DUE, B_DUE = date(2026, 3, 7), date(2026, 3, 20)
CALENDAR = {
    "pre_reminder": date(2026, 3, 2),
    "reminder": date(2026, 3, 8),
    "second_reminder": date(2026, 3, 22),
    "formal_notice": date(2026, 4, 6),
    "injonction_proposal": date(2026, 4, 21),
}
WORKING_DAYS = {
    "pre_reminder": date(2026, 3, 2),  # a Monday
    "reminder": date(2026, 3, 9),  # Sunday 8 → Monday 9
    "second_reminder": date(2026, 3, 23),  # Sunday 22 → Monday 23
    "formal_notice": date(2026, 4, 7),  # Easter Monday 6 April → Tuesday 7
    "injonction_proposal": date(2026, 4, 22),  # 15 days after the mise en demeure actually sent
}


def _drive(desk: Desk, last: date) -> dict[str, list[date]]:
    taken: dict[str, list[date]] = {}
    for day in days(date(2026, 2, 23), last):
        for item in desk.day(day):
            assert item["state"] == "issued", item
            taken.setdefault(item["action"], []).append(day)
    return taken


@pytest.mark.parametrize("working_days_only", [False, True], ids=["calendar", "working-days"])
def test_each_step_on_its_day_once_one_letter_for_all_invoices(desk: Desk, working_days_only: bool) -> None:
    desk.settings(working_days_only=working_days_only, min_interval_days=3)
    debtor = desk.debtor()
    a = desk.invoice(debtor, "F-A", A_DUE)
    b = desk.invoice(debtor, "F-B", B_DUE, "500.00")

    taken = _drive(desk, date(2026, 5, 15))

    expected = WORKING_DAYS if working_days_only else CALENDAR
    assert taken == {action: [day] for action, day in expected.items()}  # each step on its day, never twice
    with desk.services.db.reading() as session:
        cases = session.execute(select(Case).where(Case.tenant_id == desk.tenant_id)).scalars().all()
        assert len(cases) == 1  # one case per debtor carries both invoices
        mine = Notice.tenant_id == desk.tenant_id
        notices = session.execute(select(Notice).where(mine).order_by(Notice.issued_at)).scalars().all()
        taken_here = StepTaken.tenant_id == desk.tenant_id
        steps = session.execute(select(StepTaken).where(taken_here).order_by(StepTaken.taken_on)).scalars().all()
    assert [n.kind for n in notices] == ["pre_reminder", "reminder", "second_reminder", "formal_notice"]
    assert all(n.status == "issued" for n in notices)  # no unused draft: one letter per step
    numbers = [[line["number"] for line in n.letter_data["invoices"]] for n in notices]
    assert numbers[0] == ["F-A"]  # B was not in its window yet
    assert numbers[2] == ["F-A", "F-B"] and numbers[3] == ["F-A", "F-B"]  # one letter covers both ages
    assert [s.action for s in steps] == list(expected)
    assert {s.plan_version for s in steps} == {1}
    assert a and b


def _case_of(desk: Desk) -> str:
    with desk.services.db.reading() as session:
        return str(session.execute(select(Case.id).where(Case.tenant_id == desk.tenant_id)).scalar_one())


def test_partial_payment_keeps_the_plan_full_payment_stops_it(desk: Desk) -> None:
    debtor = desk.debtor()
    invoice = desk.invoice(debtor, "F-P", A_DUE)
    taken = _drive(desk, date(2026, 3, 10))
    assert list(taken) == ["pre_reminder", "reminder"]
    desk.ok(desk.api.post(f"/v1/invoices/{invoice}/payments", {"amount": "400.00", "paid_on": "2026-03-10"}), 201)
    items = desk.day(date(2026, 3, 22))
    assert [i["action"] for i in items] == ["second_reminder"]
    with desk.services.db.reading() as session:
        query = select(Notice).where(Notice.tenant_id == desk.tenant_id, Notice.kind == "second_reminder")
        letter = session.execute(query).scalar_one()
    assert letter.letter_data["invoices"][0]["balance"] == "600.00"  # the new balance
    desk.set_day(date(2026, 3, 25))
    desk.ok(desk.api.post(f"/v1/invoices/{invoice}/payments", {"amount": "600.00", "paid_on": "2026-03-25"}), 201)
    case = desk.ok(desk.api.get(f"/v1/cases/{_case_of(desk)}"))
    assert case["status"] == "closed"
    for day in days(date(2026, 3, 26), date(2026, 4, 30)):
        assert desk.day(day) == []  # the plan stopped
    assert desk.notices_issued() == 3


def test_a_disputed_invoice_is_left_out(desk: Desk) -> None:
    debtor = desk.debtor()
    desk.invoice(debtor, "F-D", A_DUE)
    _drive(desk, date(2026, 3, 8))
    disputed = _case_of(desk)
    body = {"raised_on": "2026-03-08", "summary": "Livraison incomplète."}
    desk.ok(desk.api.post(f"/v1/cases/{disputed}/disputes", body), 201)
    desk.invoice(debtor, "F-N", date(2026, 3, 25))
    moved: dict[str, list[Any]] = {}
    for day in days(date(2026, 3, 9), date(2026, 4, 30)):
        for item in desk.day(day):
            moved.setdefault(item["state"], []).append((item["action"], item["case_id"], day))
    skipped = moved.pop("skipped")
    assert {case for _, case, _ in skipped} == {disputed}  # its step comes due, and waits, with the reason
    assert {action for action, _, _ in skipped} == {"second_reminder"}
    issued = moved.pop("issued")
    assert disputed not in {case for _, case, _ in issued}  # the disputed invoice's case gets no letter
    assert [a for a, _, _ in issued] == ["pre_reminder", "reminder", "second_reminder", "formal_notice"]
    with desk.services.db.reading() as session:
        query = select(Notice).where(Notice.tenant_id == desk.tenant_id, Notice.case_id != disputed)
        letters = session.execute(query).scalars().all()
        assert {line["number"] for n in letters for line in n.letter_data["invoices"]} == {"F-N"}
        count = select(func.count()).select_from(Case).where(Case.tenant_id == desk.tenant_id)
        assert session.execute(count).scalar_one() == 2
    assert moved == {}


def test_a_pause_row_pauses_the_case_until_its_date(desk: Desk) -> None:
    debtor = desk.debtor()
    desk.invoice(debtor, "F-Q", A_DUE)
    _drive(desk, date(2026, 3, 8))  # pre-reminder and reminder
    case_id = _case_of(desk)
    with desk.services.db.transaction() as session:
        session.add(
            CasePause(
                id=str(uuid.uuid4()), tenant_id=desk.tenant_id, case_id=case_id, kind="promise",
                starts_on=date(2026, 3, 9), until=date(2026, 3, 31), amount=Decimal("1000.00"),
                created_by="test", created_at=desk.clock.now(),
            )
        )  # fmt: skip
    seen = []
    for day in days(date(2026, 3, 9), date(2026, 4, 2)):
        seen += [(day, item["action"], item["state"], item["reason"]) for item in desk.day(day)]
    paused = [entry for entry in seen if entry[2] == "skipped"]
    assert paused and all(reason == "paused (promise) until 2026-03-31" for *_, reason in paused)
    assert paused[0][0] == date(2026, 3, 22)  # the second reminder's day, skipped while paused
    assert [entry[:3] for entry in seen if entry[2] != "skipped"] == [(date(2026, 3, 31), "second_reminder", "issued")]


def test_a_payment_after_the_proposal_skips_the_item_before_issue(desk: Desk) -> None:
    step = {"offset_days": 1, "action": "reminder", "channel": "letter", "mode": "manual"}
    plan = desk.ok(desk.api.post("/v1/plans", {"name": "Manuel", "steps": [step], "default": True}), 201)
    assert plan["default"] and plan["version"] == 1
    debtor = desk.debtor()
    invoice = desk.invoice(debtor, "F-S", A_DUE)
    items = desk.day(date(2026, 3, 9), approve=False)
    assert [(i["action"], i["state"]) for i in items] == [("reminder", "proposed")]
    run_id = desk.ok(desk.api.get("/v1/runs"))["data"][0]["id"]
    assert items[0]["notice_id"] and items[0]["preview"]  # the draft the approver reads
    preview = desk.api.client.get(items[0]["preview"], headers=desk.api.headers)
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF")
    desk.ok(desk.api.post(f"/v1/invoices/{invoice}/payments", {"amount": "100.00", "paid_on": "2026-03-09"}), 201)
    desk.ok(desk.api.post(f"/v1/runs/{run_id}/approve", {"item_ids": [items[0]["id"]]}))
    run_until_idle(desk.services)
    run = desk.ok(desk.api.get(f"/v1/runs/{run_id}"))
    assert run["counts"]["skipped"] == 1 and run["status"] == "completed"
    item = desk.ok(desk.api.get(f"/v1/runs/{run_id}/items"))["data"][0]
    assert item["reason"].startswith("payment received since the proposal")
    assert desk.notices_issued() == 0
    events = desk.ok(desk.api.get("/v1/events?type=run.completed"))["data"]
    assert [e["data"]["run_id"] for e in events] == [run_id]


def _promise_course(desk: Desk, amount: str, paid: str | None) -> tuple[list[tuple[date, str, str]], dict[str, Any]]:
    """A promise made by telephone on 9 March (``POST /v1/cases/{id}/promises``) to pay ``amount`` by 25 March,
    ``paid`` (or nothing) on 20 March; the runs of 9 March to 2 April; answers what they did and the promise."""
    debtor = desk.debtor()
    invoice = desk.invoice(debtor, "F-P", A_DUE)
    _drive(desk, date(2026, 3, 8))  # pre-reminder and reminder
    case_id = _case_of(desk)
    desk.set_day(date(2026, 3, 9))
    promise = desk.ok(desk.api.post(f"/v1/cases/{case_id}/promises", {"amount": amount, "date": "2026-03-25"}), 201)
    seen = []
    for day in days(date(2026, 3, 9), date(2026, 4, 2)):
        if paid and day == date(2026, 3, 20):
            desk.set_day(day)
            payment = {"amount": paid, "paid_on": day.isoformat()}
            desk.ok(desk.api.post(f"/v1/invoices/{invoice}/payments", payment), 201)
        seen += [(day, item["action"], item["state"]) for item in desk.day(day)]
        settle_due_pauses(desk.services)  # the worker's loop judges the promises whose date passed
    [judged] = [p for p in desk.ok(desk.api.get(f"/v1/cases/{case_id}/promises"))["data"] if p["id"] == promise["id"]]
    return seen, judged


def test_a_broken_promise_resumes_the_plan_by_itself(desk: Desk) -> None:
    seen, promise = _promise_course(desk, "400.00", paid=None)
    skipped = [day for day, _, state in seen if state == "skipped"]
    assert skipped and min(skipped) == date(2026, 3, 22) and max(skipped) == date(2026, 3, 24)  # J+15, paused
    issued = [(day, action) for day, action, state in seen if state == "issued"]
    assert issued == [(date(2026, 3, 25), "second_reminder")]  # the promised day came unpaid: the plan resumes
    assert promise["outcome"] == "broken"


def test_a_kept_promise_paid_in_full_closes_the_case_and_stops_the_plan(desk: Desk) -> None:
    seen, promise = _promise_course(desk, "1000.00", paid="1000.00")
    assert [entry for entry in seen if entry[2] != "skipped"] == []  # nothing is sent: paused, then paid
    assert promise["outcome"] == "kept"
    assert desk.ok(desk.api.get(f"/v1/cases/{_case_of(desk)}"))["status"] == "closed"
    assert desk.notices_issued() == 2
