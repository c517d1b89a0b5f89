"""``GET /v1/dossiers`` through the API, on SQLite and PostgreSQL: two exports of a case, newest first, the
case filter, tenant isolation, and bad queries answered with a problem naming the parameter, changing nothing."""

from __future__ import annotations

from datetime import timedelta

from notice_service.adapters.system_clock import FixedClock
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.dossier.test_export import case_with_delivered_notice, export
from tests.functional.lists import BAD_QUERIES, assert_problem, counts, ids, newest_first, walk


def test_dossiers_listed_and_filtered(api: Api, other_api: Api, services: Services) -> None:
    case = case_with_delivered_notice(api, services)
    assert isinstance(services.clock, FixedClock)
    first = export(api, case["case_id"])
    services.clock.advance(timedelta(minutes=1))
    second = export(api, case["case_id"])
    everything, pages = walk(api, "/v1/dossiers", 1)
    assert pages == 2 and ids(everything) == newest_first(everything) == [second["id"], first["id"]]
    assert everything[0]["sha256"] == second["sha256"] and everything[0]["case_id"] == case["case_id"]
    assert ids(walk(api, "/v1/dossiers", 5, f"case_id={case['case_id']}")[0]) == [second["id"], first["id"]]
    assert walk(api, "/v1/dossiers", 5, f"case_id={case['notice_id']}")[0] == []  # no dossier of that id
    cursor = api.get("/v1/dossiers?limit=1").json["next_cursor"]
    assert other_api.get("/v1/dossiers").json == {"data": [], "next_cursor": None}
    assert other_api.get(f"/v1/dossiers?case_id={case['case_id']}").json["data"] == []
    assert_problem(other_api.get(f"/v1/dossiers?cursor={cursor}"), "cursor")
    before = counts(services)
    for query, parameter in [("case_id=DOS-1", "case_id"), ("status=ready", "status"), *BAD_QUERIES]:
        assert_problem(api.get(f"/v1/dossiers?{query}"), parameter)
    assert counts(services) == before
