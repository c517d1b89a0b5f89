"""``GET /v1/events``, the tenant's event feed, on SQLite and PostgreSQL: the very events the webhooks carried
(same id as the ``webhook-id``, same type and data), oldest first, filtered by type and time, paginated,
tenant-isolated, and bad queries answered with a problem that names the parameter and changes nothing."""

from __future__ import annotations

from datetime import timedelta

from notice_service.adapters.system_clock import FixedClock
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.lists import BAD_QUERIES, assert_problem, counts, ids, walk
from tests.functional.webhooks import test_outbound
from tests.functional.webhooks.test_outbound import Receiver, drain, new_invoice, record_payment, subscribe

services = test_outbound.services  # the fixture that allows a receiver on 127.0.0.1
receiver = test_outbound.receiver


def _three_payments(api: Api, services: Services) -> list[str]:
    """Three payments a minute apart on two invoices; their ids."""
    assert isinstance(services.clock, FixedClock)
    first, second = new_invoice(api), new_invoice(api)
    paid = []
    for invoice_id in (first, second, first):
        services.clock.advance(timedelta(minutes=1))
        response = record_payment(api, invoice_id)
        assert response.status_code == 201, response.json
        paid.append(response.json["payments"][-1]["id"])
    return paid


def test_the_feed_holds_what_the_webhooks_carried_oldest_first(
    api: Api, services: Services, receiver: Receiver
) -> None:
    subscription = subscribe(api, receiver.url, "payment.recorded")
    payments = _three_payments(api, services)
    drain(services)
    verified = receiver.verified(subscription["secret"])
    sent = {headers["webhook-id"]: body for (headers, _), body in zip(receiver.received, verified, strict=True)}
    events, pages = walk(api, "/v1/events", 1)
    assert pages == 3
    assert sorted(ids(events)) == sorted(sent)  # the feed's id is the webhook-id
    for event in events:
        assert (event["type"], event["data"]) == (sent[event["id"]]["type"], sent[event["id"]]["data"])
    assert [event["data"]["payment_id"] for event in events] == payments  # in the order they happened
    assert [event["timestamp"] for event in events] == sorted(event["timestamp"] for event in events)


def test_type_and_since_filters_and_their_pages(api: Api, services: Services) -> None:
    _three_payments(api, services)
    everything, _ = walk(api, "/v1/events", 100)
    assert {event["type"] for event in everything} == {"payment.recorded"}
    assert walk(api, "/v1/events", 2, "type=payment.recorded")[0] == everything
    assert walk(api, "/v1/events", 2, "type=notice.issued")[0] == []
    since = everything[1]["timestamp"].replace("+00:00", "Z")
    assert ids(walk(api, "/v1/events", 1, f"since={since}")[0]) == ids(everything[1:])
    assert walk(api, "/v1/events", 1, "since=2030-01-01T00:00:00Z")[0] == []


def test_another_tenant_sees_no_event_and_cannot_use_a_cursor(api: Api, other_api: Api, services: Services) -> None:
    _three_payments(api, services)
    cursor = api.get("/v1/events?limit=1").json["next_cursor"]
    assert cursor is not None
    assert other_api.get("/v1/events").json == {"data": [], "next_cursor": None}
    assert_problem(other_api.get(f"/v1/events?cursor={cursor}"), "cursor")
    assert_problem(api.get(f"/v1/invoices?cursor={cursor}"), "cursor")


def test_bad_queries_and_refused_changes_add_no_event(api: Api, services: Services) -> None:
    invoice_id = new_invoice(api)
    before = counts(services)
    refused = api.post(f"/v1/invoices/{invoice_id}/payments", {"amount": "10.00", "paid_on": "2020-01-01"})
    assert refused.status_code == 422  # before the issue date: rolled back, so no event either
    for query, parameter in [
        ("type=payment.made", "type"),
        ("since=2026-11-20T09:30:00", "since"),  # no offset
        ("since=yesterday", "since"),
        ("since=2026-02-30T00:00:00Z", "since"),
        ("since=0001-01-01T00:00:00%2B01:00", "since"),  # before year 1 in UTC
        ("since=9999-12-31T23:59:59-01:00", "since"),
        *BAD_QUERIES,
    ]:
        assert_problem(api.get(f"/v1/events?{query}"), parameter)
    assert counts(services) == before
