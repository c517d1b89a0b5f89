"""Bad input on promises, pauses and calls answers RFC 9457 problem+json naming the field (or the missing case,
pause or promise) and writes nothing: no pause, no call, no audit record, no event; on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.calls import CaseCall
from notice_service.db.models.outbox import OutboxMessage
from notice_service.db.models.pauses import CasePause
from notice_service.services import Services
from tests.functional.cases.follow_up_support import open_case
from tests.functional.conftest import Api

PROMISE = {"amount": "100.00", "date": "2026-11-30"}
PAUSE = {"until": "2026-12-20", "reason": "negotiation"}
CALL = {"called_at": "2026-11-20T09:00:00+01:00", "caller": "Jeanne Durand", "outcome": "reached"}
CALL_PROMISE = {**CALL, "outcome": "promise", "promise": PROMISE}
UNKNOWN = "00000000-0000-0000-0000-000000000000"

# (name, path under /v1/cases/, body, expected status, the field named or None)
BAD: list[tuple[str, str, Any, int, str | None]] = [
    ("promise: in the past", "{own}/promises", {**PROMISE, "date": "2026-11-19"}, 422, "date"),
    ("promise: beyond 90 days", "{own}/promises", {**PROMISE, "date": "2027-02-19"}, 422, "date"),
    ("promise: not a date", "{own}/promises", {**PROMISE, "date": "30/11/2026"}, 422, "date"),
    ("promise: no such day", "{own}/promises", {**PROMISE, "date": "2026-11-31"}, 422, "date"),
    ("promise: amount zero", "{own}/promises", {**PROMISE, "amount": "0.00"}, 422, "amount"),
    ("promise: amount negative", "{own}/promises", {**PROMISE, "amount": "-5.00"}, 422, "amount"),
    ("promise: over the balance", "{own}/promises", {**PROMISE, "amount": "1000.01"}, 422, "amount"),
    ("promise: not a decimal", "{own}/promises", {**PROMISE, "amount": "cent"}, 422, "amount"),
    ("promise: a JSON number", "{own}/promises", {**PROMISE, "amount": 100}, 422, "amount"),
    ("promise: three decimals", "{own}/promises", {**PROMISE, "amount": "10.001"}, 422, "amount"),
    ("promise: missing amount", "{own}/promises", {"date": "2026-11-30"}, 422, "amount"),
    ("promise: unknown field", "{own}/promises", {**PROMISE, "currency": "EUR"}, 422, "currency"),
    ("promise: long note", "{own}/promises", {**PROMISE, "note": "x" * 501}, 422, "note"),
    ("promise: not an object", "{own}/promises", ["100.00"], 422, "body"),
    ("promise: other tenant's case", "{foreign}/promises", PROMISE, 404, None),
    ("promise: unknown case", f"{UNKNOWN}/promises", PROMISE, 404, None),
    ("promise: second while one runs", "{own}/promises", PROMISE, 409, None),
    ("pause: resume today", "{second}/pauses", {**PAUSE, "until": "2026-11-20"}, 422, "until"),
    ("pause: resume in the past", "{second}/pauses", {**PAUSE, "until": "2026-10-01"}, 422, "until"),
    ("pause: beyond a year", "{second}/pauses", {**PAUSE, "until": "2027-11-21"}, 422, "until"),
    ("pause: unknown reason", "{second}/pauses", {**PAUSE, "reason": "holiday"}, 422, "reason"),
    ("pause: other without a note", "{second}/pauses", {**PAUSE, "reason": "other", "note": " "}, 422, "note"),
    ("pause: unknown field", "{second}/pauses", {**PAUSE, "by": "me"}, 422, "by"),
    ("pause: missing until", "{second}/pauses", {"reason": "negotiation"}, 422, "until"),
    ("pause: other tenant's case", "{foreign}/pauses", PAUSE, 404, None),
    ("pause: second while one runs", "{own}/pauses", PAUSE, 409, None),
    ("resume: a pause of another case", "{second}/pauses/{pause}/resume", {}, 404, None),
    ("resume: a promise", "{own}/pauses/{promise}/resume", {}, 404, None),
    ("resume: unknown pause", f"{{own}}/pauses/{UNKNOWN}/resume", {}, 404, None),
    ("resume: other tenant's pause", "{foreign}/pauses/{foreign_pause}/resume", {}, 404, None),
    ("resume: unknown field", "{own}/pauses/{pause}/resume", {"when": "now"}, 422, "when"),
    ("cancel: a manual pause", "{own}/promises/{pause}/cancel", {}, 404, None),
    ("cancel: a promise of another case", "{second}/promises/{promise}/cancel", {}, 404, None),
    ("cancel: long note", "{own}/promises/{promise}/cancel", {"note": "x" * 501}, 422, "note"),
    ("call: unknown outcome", "{own}/calls", {**CALL, "outcome": "angry"}, 422, "outcome"),
    ("call: promise without one", "{own}/calls", {**CALL, "outcome": "promise"}, 422, "promise"),
    ("call: a promise, outcome reached", "{second}/calls", {**CALL_PROMISE, "outcome": "reached"}, 422, "outcome"),
    ("call: in the future", "{own}/calls", {**CALL, "called_at": "2026-11-20T11:00:00+01:00"}, 422, "called_at"),
    ("call: no offset", "{own}/calls", {**CALL, "called_at": "2026-11-20T09:00:00"}, 422, "called_at"),
    ("call: not a time", "{own}/calls", {**CALL, "called_at": "hier"}, 422, "called_at"),
    ("call: year one", "{own}/calls", {**CALL, "called_at": "0001-01-01T00:00:00+05:00"}, 422, "called_at"),
    ("call: before 2000", "{own}/calls", {**CALL, "called_at": "1999-12-31T23:00:00+00:00"}, 422, "called_at"),
    ("call: blank caller", "{own}/calls", {**CALL, "caller": "  "}, 422, "caller"),
    ("call: missing caller", "{own}/calls", {k: v for k, v in CALL.items() if k != "caller"}, 422, "caller"),
    ("call: long notes", "{own}/calls", {**CALL, "notes": "x" * 2001}, 422, "notes"),
    ("call: unknown field", "{own}/calls", {**CALL, "duration": 5}, 422, "duration"),
    (
        "call: promise in the past",
        "{second}/calls",
        {**CALL_PROMISE, "promise": {**PROMISE, "date": "2026-11-01"}},
        422,
        "promise.date",
    ),
    (
        "call: promise over the balance",
        "{second}/calls",
        {**CALL_PROMISE, "promise": {**PROMISE, "amount": "1000.01"}},
        422,
        "promise.amount",
    ),
    (
        "call: promise unknown field",
        "{second}/calls",
        {**CALL_PROMISE, "promise": {**PROMISE, "when": "soon"}},
        422,
        "promise.when",
    ),
    ("call: a second promise", "{own}/calls", CALL_PROMISE, 409, None),
    ("call: other tenant's case", "{foreign}/calls", CALL, 404, None),
]


def written(services: Services) -> tuple[int, ...]:
    with services.db.reading() as session:
        return tuple(
            session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (CasePause, CaseCall, AuditRecord, OutboxMessage)
        )


@pytest.fixture
def cases(api: Api, other_api: Api) -> dict[str, str]:
    """Own case (a running promise and a running manual pause), a second own case, another tenant's case (a
    running pause), and the ids of those pauses."""
    own, second, foreign = open_case(api)[0], open_case(api, number="F-2")[0], open_case(other_api)[0]
    promise = api.post(f"/v1/cases/{own}/promises", PROMISE)
    pause = api.post(f"/v1/cases/{own}/pauses", PAUSE)
    foreign_pause = other_api.post(f"/v1/cases/{foreign}/pauses", PAUSE)
    assert {promise.status_code, pause.status_code, foreign_pause.status_code} == {201}
    ids = {"own": own, "second": second, "foreign": foreign, "promise": promise.json["id"]}
    return ids | {"pause": pause.json["id"], "foreign_pause": foreign_pause.json["id"]}


def test_bad_input_answers_a_problem_naming_the_field_and_writes_nothing(
    api: Api, services: Services, cases: dict[str, str]
) -> None:
    before = written(services)
    for name, path, body, status, field in BAD:
        response = api.post("/v1/cases/" + path.format(**cases), body)
        assert response.status_code == status, (name, response.status_code, response.json)
        assert response.mimetype == "application/problem+json", name
        assert response.json["status"] == status and response.json["detail"], name
        if field is not None:
            assert field in [e["field"] for e in response.json.get("errors", [])], (name, response.json)
        assert written(services) == before, name
    assert api.post(f"/v1/cases/{cases['second']}/calls", CALL_PROMISE).status_code == 201
    assert written(services) != before


def test_reads_of_another_tenants_case_are_not_found(api: Api, cases: dict[str, str]) -> None:
    for which in ("promises", "pauses", "calls"):
        response = api.get(f"/v1/cases/{cases['foreign']}/{which}")
        assert response.status_code == 404 and response.mimetype == "application/problem+json", which
        assert api.get(f"/v1/cases/{UNKNOWN}/{which}").status_code == 404, which


def test_a_body_that_is_not_json_is_refused(api: Api, cases: dict[str, str]) -> None:
    response = api.client.post(
        f"/v1/cases/{cases['second']}/promises", data="amount=100", headers=api.headers, content_type="text/plain"
    )
    assert response.status_code == 415 and response.mimetype == "application/problem+json"
