"""The pure rules of what is due: the order of steps, the catch-up, the minimum interval, working days, DST."""

from __future__ import annotations

from datetime import date, datetime, time

from notice_service.domain.deadlines import PARIS, public_holidays
from notice_service.domain.dunning.due import Calendar, Due, NotDue, invoice_key, step_due, with_letters_issued
from notice_service.domain.dunning.plans import DEFAULT_STEPS, Step, parse_steps

DUE = date(2026, 3, 7)  # a Saturday
NONE = Calendar()


def _due(as_of: date, taken: dict[int, date] | None = None, calendar: Calendar = NONE) -> Due | NotDue:
    taken = taken or {}
    return step_due(DEFAULT_STEPS, DUE, taken, max(taken.values()) if taken else None, as_of, calendar)


def test_the_default_plan_step_by_step() -> None:
    assert _due(date(2026, 3, 1)) == NotDue("not_yet", date(2026, 3, 2))
    first = _due(date(2026, 3, 2))
    assert isinstance(first, Due) and (first.step_index, first.step.action) == (0, "pre_reminder")
    second = _due(date(2026, 3, 8), {0: date(2026, 3, 2)})
    assert isinstance(second, Due) and second.step.action == "reminder" and second.send_on == date(2026, 3, 8)
    after = {0: date(2026, 3, 2), 1: date(2026, 3, 8), 2: date(2026, 3, 22), 3: date(2026, 4, 6)}
    assert _due(date(2026, 4, 20), after) == NotDue("not_yet", date(2026, 4, 21))  # 15 days after the MED
    last = _due(date(2026, 4, 21), after)
    assert isinstance(last, Due) and last.step.action == "injonction_proposal"
    assert _due(date(2026, 9, 1), {**after, 4: date(2026, 4, 21)}) == NotDue("plan_finished")


def test_a_pre_reminder_whose_window_passed_is_passed_over_and_no_step_is_jumped() -> None:
    late = _due(date(2026, 4, 30))  # first planned long after the due date
    assert isinstance(late, Due) and late.step.action == "reminder"  # not the mise en demeure at once
    after = _due(date(2026, 4, 30), {1: date(2026, 4, 30)})
    assert after == NotDue("min_interval", date(2026, 5, 1))  # never two contacts on one day, even with no
    # interval set: the second reminder's date (J+15) has passed, so it goes the next day
    assert isinstance(_due(date(2026, 5, 1), {1: date(2026, 4, 30)}), Due)


def test_the_minimum_interval_delays_the_next_contact() -> None:
    calendar = Calendar(min_interval_days=10)
    result = _due(date(2026, 3, 8), {0: date(2026, 3, 2)}, calendar)
    assert result == NotDue("min_interval", date(2026, 3, 12))
    assert isinstance(_due(date(2026, 3, 12), {0: date(2026, 3, 2)}, calendar), Due)


def test_working_days_at_the_debtors_address() -> None:
    paris = Calendar(working_days_only=True, holidays=public_holidays("75019", "FR", range(2026, 2027)))
    assert _due(date(2026, 3, 8), {0: date(2026, 3, 2)}, paris) == NotDue("not_yet", date(2026, 3, 9))  # Sunday
    taken = {0: date(2026, 3, 2), 1: date(2026, 3, 9), 2: date(2026, 3, 23)}
    assert _due(date(2026, 4, 6), taken, paris) == NotDue("not_yet", date(2026, 4, 7))  # Easter Monday
    # Good Friday (3 April 2026) is a holiday in Alsace-Moselle only
    strasbourg = Calendar(working_days_only=True, holidays=public_holidays("67000", "FR", range(2026, 2027)))
    plan = [Step(-5, "pre_reminder", "email", "auto"), Step(1, "reminder", "email", "auto")]
    good_friday = date(2026, 4, 3)
    assert isinstance(step_due(plan, date(2026, 4, 2), {0: date(2026, 3, 27)}, None, good_friday, paris), Due)
    shifted = step_due(plan, date(2026, 4, 2), {0: date(2026, 3, 27)}, None, good_friday, strasbourg)
    assert shifted == NotDue("not_yet", date(2026, 4, 7))  # Friday holiday, weekend, Easter Monday


def test_dates_are_paris_dates_across_the_dst_change() -> None:
    # 29 March 2026, 02:00 → 03:00 in Paris: a run at 00:30 and at 23:30 local time is still the 29th
    for moment in (time(0, 30), time(23, 30)):
        local = datetime.combine(date(2026, 3, 29), moment, tzinfo=PARIS)
        assert local.astimezone(PARIS).date() == date(2026, 3, 29)
    plan = [Step(1, "reminder", "email", "auto"), Step(1, "second_reminder", "email", "auto", anchor="previous")]
    result = step_due(plan, date(2026, 3, 28), {0: date(2026, 3, 29)}, None, date(2026, 3, 30), NONE)
    assert isinstance(result, Due) and result.nominal_on == date(2026, 3, 30)  # one calendar day, not 23 hours


def test_letters_issued_by_hand_count_as_steps_taken() -> None:
    taken, last = with_letters_issued(DEFAULT_STEPS, {}, {"formal_notice": date(2026, 4, 1)})
    assert taken == {0: date(2026, 4, 1), 1: date(2026, 4, 1), 2: date(2026, 4, 1), 3: date(2026, 4, 1)}
    assert last == date(2026, 4, 1)
    result = step_due(DEFAULT_STEPS, DUE, taken, last, date(2026, 4, 16), NONE)
    assert isinstance(result, Due) and result.step.action == "injonction_proposal"
    assert with_letters_issued(DEFAULT_STEPS, {}, {}) == ({}, None)


def test_an_invoice_set_is_order_free() -> None:
    assert invoice_key(["b", "a"]) == invoice_key(["a", "b"]) != invoice_key(["a"])


def test_plan_validation_names_each_field() -> None:
    assert parse_steps([])[1] == [("steps", "give at least one step")]
    steps, problems = parse_steps([{"offset_days": 500, "action": "fax", "channel": "pigeon"}])
    assert steps == [] and [field for field, _ in problems] == [
        "steps.0.offset_days",
        "steps.0.action",
        "steps.0.channel",
    ]
    ok, none = parse_steps([step.as_json() for step in DEFAULT_STEPS])
    assert none == [] and ok == list(DEFAULT_STEPS)
    _, unordered = parse_steps([DEFAULT_STEPS[1].as_json(), DEFAULT_STEPS[0].as_json()])
    assert [field for field, _ in unordered] == ["steps.1.offset_days"]  # increasing offsets
