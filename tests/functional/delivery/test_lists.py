"""``GET /v1/deliveries`` through the API, on SQLite and PostgreSQL: two deliveries of a mise en demeure, newest
first, filtered by status, channel and notice; tenant isolation; bad queries answered with a problem naming the
parameter, changing nothing."""

from __future__ import annotations

from datetime import timedelta

from notice_service.adapters.system_clock import FixedClock
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.delivery.test_deliveries import dispatch, issued_notice
from tests.functional.lists import BAD_QUERIES, assert_problem, counts, ids, newest_first, walk


def test_deliveries_listed_and_filtered(api: Api, other_api: Api, services: Services) -> None:
    issued = issued_notice(api, services)
    assert isinstance(services.clock, FixedClock)
    registered = dispatch(
        api, issued["notice_id"], channel="registered_letter", provider="manual", tracking_number="1A12345678901"
    )
    services.clock.advance(timedelta(minutes=1))
    letter = dispatch(api, issued["notice_id"], channel="letter", provider="manual")
    fact = {"kind": "deposited", "occurred_at": "2026-11-23T10:00:00+01:00", "source_event_id": "d"}
    assert api.post(f"/v1/deliveries/{registered['id']}/facts", fact).status_code == 201
    everything, pages = walk(api, "/v1/deliveries", 1)
    assert pages == 2 and ids(everything) == newest_first(everything) == [letter["id"], registered["id"]]
    assert everything[1]["tracking_number"] == "1A12345678901"
    for query, expected in {
        "status=deposited": [registered["id"]],
        "status=created": [letter["id"]],
        "channel=registered_letter": [registered["id"]],
        "channel=letter&status=created": [letter["id"]],
        f"notice_id={issued['notice_id']}": [letter["id"], registered["id"]],
        "channel=bailiff": [],
    }.items():
        assert ids(walk(api, "/v1/deliveries", 1, query)[0]) == expected, query
    cursor = api.get("/v1/deliveries?limit=1").json["next_cursor"]
    assert other_api.get("/v1/deliveries").json == {"data": [], "next_cursor": None}
    assert other_api.get(f"/v1/deliveries?notice_id={issued['notice_id']}").json["data"] == []
    assert_problem(other_api.get(f"/v1/deliveries?cursor={cursor}"), "cursor")
    before = counts(services)
    for query, parameter in [
        ("status=lost", "status"),
        ("channel=pigeon", "channel"),
        ("notice_id=x", "notice_id"),
        *BAD_QUERIES,
    ]:
        assert_problem(api.get(f"/v1/deliveries?{query}"), parameter)
    assert counts(services) == before
