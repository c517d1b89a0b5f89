"""``GET /v1/notices`` through the API, on SQLite and PostgreSQL: an issued mise en demeure and a draft
reminder, newest first, filtered by case, kind and status; tenant isolation; bad queries answered with a problem
naming the parameter, changing nothing."""

from __future__ import annotations

from datetime import timedelta

from notice_service.adapters.system_clock import FixedClock
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.delivery.test_deliveries import issued_notice
from tests.functional.lists import BAD_QUERIES, assert_problem, counts, ids, newest_first, walk


def test_notices_listed_and_filtered(api: Api, other_api: Api, services: Services) -> None:
    issued = issued_notice(api, services)
    assert isinstance(services.clock, FixedClock)
    services.clock.advance(timedelta(minutes=1))
    draft = api.post(f"/v1/cases/{issued['case_id']}/notices", {"kind": "reminder", "as_of": "2026-06-30"})
    assert draft.status_code == 201, draft.json
    everything, pages = walk(api, "/v1/notices", 1)
    assert pages == 2 and ids(everything) == newest_first(everything) == [draft.json["id"], issued["notice_id"]]
    assert everything[1]["status"] == "issued" and everything[1]["document_sha256"]
    assert (everything[0]["status"], everything[0]["document_sha256"]) == ("draft", None)
    for query, expected in {
        f"case_id={issued['case_id']}": [draft.json["id"], issued["notice_id"]],
        "kind=formal_notice": [issued["notice_id"]],
        "kind=reminder&status=draft": [draft.json["id"]],
        "status=issued": [issued["notice_id"]],
        "kind=payment_plan": [],
    }.items():
        assert ids(walk(api, "/v1/notices", 1, query)[0]) == expected, query
    cursor = api.get("/v1/notices?limit=1").json["next_cursor"]
    assert other_api.get("/v1/notices").json == {"data": [], "next_cursor": None}
    assert other_api.get(f"/v1/notices?case_id={issued['case_id']}").json["data"] == []
    assert_problem(other_api.get(f"/v1/notices?cursor={cursor}"), "cursor")
    before = counts(services)
    for query, parameter in [
        ("kind=injonction", "kind"),
        ("status=sent", "status"),
        ("case_id=DOS-2026", "case_id"),
        *BAD_QUERIES,
    ]:
        assert_problem(api.get(f"/v1/notices?{query}"), parameter)
    assert counts(services) == before
