"""Promises to pay, manual pauses and calls change the course of a case, on SQLite and PostgreSQL with a fixed
clock (20 November 2026, 10:30 in Paris): ``active_pauses`` (what the dunning run asks) names a paused case;
a promise is kept when the money arrives and broken when its date passes unpaid (the case resumes, the timeline
and the audit log say why); a manual pause resumes early or on its date; a call records a promise in the same
transaction; closing a case ends its pauses and reopening revives none."""

from __future__ import annotations

import time
from datetime import date

from notice_service.domain.pauses import CALL_OUTCOMES
from notice_service.services import Services
from notice_service.use_cases.cases.pause_schedule import settle_due_pauses
from notice_service.worker import start_thread
from tests.functional.cases.follow_up_support import (
    at_paris,
    case_actions,
    case_topics,
    move_to,
    open_case,
    pause_json_list,
    paused,
    pay,
)
from tests.functional.conftest import Api


def settle(services: Services) -> int:
    """The worker's step until nothing is due (a PostgreSQL database holds other tests' tenants too)."""
    total = 0
    while done := settle_due_pauses(services, limit=10):
        total += done
    return total


def test_a_kept_promise_pauses_the_case_until_its_date_then_ends_kept(api: Api, services: Services) -> None:
    case_id, inv = open_case(api)
    made = api.post(f"/v1/cases/{case_id}/promises", {"amount": "400.00", "date": "2026-11-30", "note": " virement "})
    assert made.status_code == 201, made.json
    promise = made.json
    assert (promise["kind"], promise["status"], promise["starts_on"], promise["until"]) == (
        "promise", "active", "2026-11-20", "2026-11-30",
    )  # fmt: skip
    assert (promise["amount"], promise["note"], promise["outcome"]) == ("400.00", "virement", None)
    assert paused(services, api, date(2026, 11, 20)) == {case_id: "promise"}
    assert paused(services, api, date(2026, 11, 29)) == {case_id: "promise"}
    assert paused(services, api, date(2026, 11, 30)) == {}  # the date itself: the dunning may resume

    pay(api, inv, "150.00")
    move_to(services, at_paris("2026-11-28"))
    pay(api, inv, "250.00", "2026-11-28")
    settle(services)
    assert [p["status"] for p in pause_json_list(api, case_id, "promises")] == ["active"]  # its date has not passed
    move_to(services, at_paris("2026-12-01", 7))
    assert settle(services) >= 1
    assert settle_due_pauses(services) == 0  # once
    [listed] = pause_json_list(api, case_id, "promises")
    assert (listed["id"], listed["status"], listed["outcome"]) == (promise["id"], "ended", "kept")
    records = [r for r in case_actions(services, api, case_id) if r["action"].startswith("promise:")]
    assert [(r["action"], r.get("paid_since"), r.get("by")) for r in records] == [
        ("promise:made", None, None),
        ("promise:kept", "400.00", "schedule"),
    ]
    assert "virement" not in str(records) and records[0]["note_sha256"]
    events = [t for t, _ in case_topics(services, api, case_id)]
    assert [t for t in events if t.startswith(("case.paused", "case.resumed", "promise."))] == [
        "case.paused", "promise.kept", "case.resumed",
    ]  # fmt: skip
    timeline = [e["action"] for e in api.get(f"/v1/cases/{case_id}").json["timeline"]]
    assert [a for a in timeline if a.startswith("promise:")] == ["promise:made", "promise:kept"]


def test_a_broken_promise_resumes_the_case_by_itself(api: Api, services: Services) -> None:
    case_id, inv = open_case(api)
    made = api.post(f"/v1/cases/{case_id}/promises", {"amount": "300.00", "date": "2026-11-25"})
    assert made.status_code == 201, made.json
    pay(api, inv, "100.00")
    move_to(services, at_paris("2026-11-26"))
    assert paused(services, api, date(2026, 11, 26)) == {}  # before any worker ran: the run's day decides
    assert settle(services) >= 1
    [listed] = pause_json_list(api, case_id, "promises")
    assert (listed["status"], listed["outcome"]) == ("ended", "broken")
    [broken] = [r for r in case_actions(services, api, case_id) if r["action"] == "promise:broken"]
    assert (broken["amount"], broken["paid_since"], broken["until"], broken["by"]) == (
        "300.00", "100.00", "2026-11-25", "schedule",
    )  # fmt: skip
    [payload] = [p for t, p in case_topics(services, api, case_id) if t == "promise.broken"]
    assert (payload["pause_id"], payload["outcome"], payload["paid_since"]) == (made.json["id"], "broken", "100.00")
    read = api.get(f"/v1/cases/{case_id}").json
    last = read["timeline"][-1]
    assert (last["action"], last["data"]["amount"], last["data"]["paid_since"]) == (
        "promise:broken",
        "300.00",
        "100.00",
    )
    assert [(p["id"], p["outcome"]) for p in read["pauses"]] == [(made.json["id"], "broken")]
    assert "data" not in read["timeline"][0]  # case:opened: the timeline shows the data of follow-up records only


def test_a_new_promise_judges_the_one_whose_date_passed_first(api: Api, services: Services) -> None:
    case_id, _ = open_case(api)
    first = api.post(f"/v1/cases/{case_id}/promises", {"amount": "300.00", "date": "2026-11-25"}).json
    second = api.post(f"/v1/cases/{case_id}/promises", {"amount": "100.00", "date": "2026-11-27"})
    assert second.status_code == 409 and second.json["active_pause_id"] == first["id"]
    move_to(services, at_paris("2026-11-26"))
    again = api.post(f"/v1/cases/{case_id}/promises", {"amount": "100.00", "date": "2026-11-27"})
    assert again.status_code == 201, again.json
    listed = pause_json_list(api, case_id, "promises")
    assert [(p["id"], p["outcome"]) for p in listed] == [(first["id"], "broken"), (again.json["id"], None)]
    assert paused(services, api, date(2026, 11, 26)) == {case_id: "promise"}


def test_a_manual_pause_resumed_early(api: Api, services: Services) -> None:
    case_id, _ = open_case(api)
    body = {"until": "2026-12-20", "reason": "negotiation", "note": "rendez-vous le 15"}
    created = api.post(f"/v1/cases/{case_id}/pauses", body)
    assert created.status_code == 201, created.json
    pause = created.json
    assert (pause["kind"], pause["reason"], pause["until"], pause["status"]) == (
        "manual", "negotiation", "2026-12-20", "active",
    )  # fmt: skip
    assert paused(services, api, date(2026, 12, 19)) == {case_id: "manual"}
    second = api.post(f"/v1/cases/{case_id}/pauses", {"until": "2026-12-01", "reason": "debtor_request"})
    assert second.status_code == 409 and second.json["active_pause_id"] == pause["id"]
    promise = api.post(f"/v1/cases/{case_id}/promises", {"amount": "10.00", "date": "2026-11-21"})
    assert promise.status_code == 201  # one running pause per kind: a promise beside a manual pause

    resumed = api.post(f"/v1/cases/{case_id}/pauses/{pause['id']}/resume", {"note": "accord trouvé"})
    assert resumed.status_code == 200, resumed.json
    assert (resumed.json["status"], resumed.json["outcome"]) == ("ended", "resumed")
    assert paused(services, api, date(2026, 11, 20)) == {case_id: "promise"}
    assert api.post(f"/v1/cases/{case_id}/pauses/{pause['id']}/resume", {}).status_code == 409
    manual = [r for r in case_actions(services, api, case_id) if r["action"] in ("case:paused", "case:resumed")]
    assert [(r["action"], r["pause_id"], r.get("by")) for r in manual] == [
        ("case:paused", pause["id"], None),
        ("case:resumed", pause["id"], "person"),
    ]
    assert "rendez-vous" not in str(manual) and "accord" not in str(manual)
    listed = pause_json_list(api, case_id, "pauses")
    assert sorted(p["kind"] for p in listed) == ["manual", "promise"]


def test_a_manual_pause_resumes_on_its_date(api: Api, services: Services) -> None:
    case_id, _ = open_case(api)
    pause = api.post(f"/v1/cases/{case_id}/pauses", {"until": "2026-11-23", "reason": "awaiting_information"}).json
    move_to(services, at_paris("2026-11-23", 8))
    assert paused(services, api, date(2026, 11, 23)) == {}
    assert settle(services) >= 1
    [listed] = pause_json_list(api, case_id, "pauses")
    assert (listed["id"], listed["outcome"]) == (pause["id"], "resumed")
    resumed = [r for r in case_actions(services, api, case_id) if r["action"] == "case:resumed"]
    assert [r["by"] for r in resumed] == ["schedule"]
    assert [t for t, _ in case_topics(services, api, case_id) if t.startswith("case.")][-2:] == [
        "case.paused", "case.resumed",
    ]  # fmt: skip


def test_a_call_records_its_promise_in_the_same_transaction(api: Api, services: Services) -> None:
    case_id, _ = open_case(api)
    body = {
        "called_at": "2026-11-20T09:15:00+01:00",
        "caller": "Jeanne Durand",
        "outcome": "promise",
        "notes": "Le gérant paiera fin du mois.",
        "promise": {"amount": "500.00", "date": "2026-11-30"},
    }
    created = api.post(f"/v1/cases/{case_id}/calls", body)
    assert created.status_code == 201, created.json
    call = created.json
    assert (call["caller"], call["outcome"], call["called_at"]) == (
        "Jeanne Durand",
        "promise",
        "2026-11-20T08:15:00+00:00",
    )
    [promise] = pause_json_list(api, case_id, "promises")
    assert call["promise_id"] == promise["id"] and promise["amount"] == "500.00"
    assert paused(services, api, date(2026, 11, 21)) == {case_id: "promise"}
    assert [c["id"] for c in api.get(f"/v1/cases/{case_id}/calls").json["data"]] == [call["id"]]
    assert [c["id"] for c in api.get(f"/v1/cases/{case_id}").json["calls"]] == [call["id"]]

    again = api.post(f"/v1/cases/{case_id}/calls", {**body, "called_at": "2026-11-20T10:00:00+01:00"})
    assert again.status_code == 409  # a promise is running: no second promise, so no call either
    assert len(api.get(f"/v1/cases/{case_id}/calls").json["data"]) == 1
    plain = {"called_at": "2026-11-20T10:05:00+01:00", "caller": "Jeanne Durand", "outcome": "voicemail"}
    assert api.post(f"/v1/cases/{case_id}/calls", plain).status_code == 201

    records = [r for r in case_actions(services, api, case_id) if r["action"] in ("call:recorded", "promise:made")]
    assert [r["action"] for r in records] == ["promise:made", "call:recorded", "call:recorded"]
    assert records[1]["promise_id"] == promise["id"] and records[1]["caller_sha256"]
    assert "Jeanne" not in str(records) and "gérant" not in str(records)
    topics = [t for t, _ in case_topics(services, api, case_id)]
    assert topics.count("call.recorded") == 2 and topics.count("case.paused") == 1


def test_closing_ends_the_pauses_and_reopening_revives_none(api: Api, services: Services) -> None:
    case_id, _ = open_case(api)
    promise = api.post(f"/v1/cases/{case_id}/promises", {"amount": "100.00", "date": "2026-11-30"}).json
    pause = api.post(f"/v1/cases/{case_id}/pauses", {"until": "2026-12-30", "reason": "internal_review"}).json
    assert api.post(f"/v1/cases/{case_id}/close", {"reason": "settled"}).status_code == 200
    listed = pause_json_list(api, case_id, "pauses")
    assert {p["id"]: p["outcome"] for p in listed} == {promise["id"]: "cancelled", pause["id"]: "cancelled"}
    assert paused(services, api, date(2026, 11, 21)) == {}
    refused = api.post(f"/v1/cases/{case_id}/promises", {"amount": "100.00", "date": "2026-11-30"})
    assert refused.status_code == 409 and refused.json["type"].endswith("/case-closed")
    assert api.post(f"/v1/cases/{case_id}/reopen").status_code == 200
    assert paused(services, api, date(2026, 11, 21)) == {}
    assert [p["status"] for p in pause_json_list(api, case_id, "pauses")] == ["ended", "ended"]
    ended = [r for r in case_actions(services, api, case_id) if r.get("by") == "closing"]
    assert sorted((r["action"], r["outcome"]) for r in ended) == [
        ("case:resumed", "cancelled"),
        ("promise:cancelled", "cancelled"),
    ]


def test_a_full_payment_closes_the_case_and_keeps_its_promise(api: Api, services: Services) -> None:
    case_id, inv = open_case(api, "600.00")
    promise = api.post(f"/v1/cases/{case_id}/promises", {"amount": "600.00", "date": "2026-11-30"}).json
    pause = api.post(f"/v1/cases/{case_id}/pauses", {"until": "2026-12-30", "reason": "debtor_request"}).json
    pay(api, inv, "600.00")
    assert api.get(f"/v1/cases/{case_id}").json["status"] == "closed"
    listed = {p["id"]: p["outcome"] for p in pause_json_list(api, case_id, "pauses")}
    assert listed == {promise["id"]: "kept", pause["id"]: "cancelled"}
    kept = [p for t, p in case_topics(services, api, case_id) if t == "promise.kept"]
    assert [(p["pause_id"], p["by"]) for p in kept] == [(promise["id"], "closing")]


def test_cancelling_a_promise_resumes_the_case(api: Api, other_api: Api, services: Services) -> None:
    case_id, _ = open_case(api)
    promise = api.post(f"/v1/cases/{case_id}/promises", {"amount": "100.00", "date": "2026-11-30"}).json
    assert other_api.post(f"/v1/cases/{case_id}/promises/{promise['id']}/cancel", {}).status_code == 404
    cancelled = api.post(f"/v1/cases/{case_id}/promises/{promise['id']}/cancel", {"note": "erreur de saisie"})
    assert cancelled.status_code == 200, cancelled.json
    assert (cancelled.json["status"], cancelled.json["outcome"]) == ("ended", "cancelled")
    assert paused(services, api, date(2026, 11, 21)) == {}
    assert api.post(f"/v1/cases/{case_id}/promises/{promise['id']}/cancel", {}).status_code == 409
    timeline = [e["action"] for e in api.get(f"/v1/cases/{case_id}").json["timeline"]]
    assert timeline[-2:] == ["promise:made", "promise:cancelled"]


def test_the_worker_loop_judges_a_promise_whose_date_passed(api: Api, services: Services) -> None:
    case_id, _ = open_case(api)
    made = api.post(f"/v1/cases/{case_id}/promises", {"amount": "50.00", "date": "2026-11-21"})
    assert made.status_code == 201, made.json
    move_to(services, at_paris("2026-11-22"))
    thread, stop = start_thread(services)  # the loop `notice-service worker` runs
    try:
        deadline = time.monotonic() + 30
        while pause_json_list(api, case_id, "promises")[0]["outcome"] is None and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert pause_json_list(api, case_id, "promises")[0]["outcome"] == "broken"


def test_every_outcome_but_promise_records_a_plain_call(api: Api, services: Services) -> None:
    case_id, _ = open_case(api)
    outcomes = [o for o in CALL_OUTCOMES if o != "promise"]
    for number, outcome in enumerate(outcomes):
        body = {"called_at": f"2026-11-20T0{number}:00:00+01:00", "caller": "Équipe crédit", "outcome": outcome}
        created = api.post(f"/v1/cases/{case_id}/calls", body)
        assert created.status_code == 201, (outcome, created.json)
    listed = api.get(f"/v1/cases/{case_id}/calls").json["data"]
    assert [c["outcome"] for c in listed] == outcomes  # oldest first
    assert paused(services, api, date(2026, 11, 20)) == {}  # a call without a promise pauses nothing
