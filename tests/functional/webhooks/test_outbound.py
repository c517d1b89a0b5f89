"""Outbound webhooks end to end: subscriptions through the API, events from the transactional outbox drained
by the real worker, POSTed to a real HTTP receiver on 127.0.0.1 that verifies every Standard Webhooks
signature with the ``standardwebhooks`` package; retries with backoff, giving up after three days, replay,
nothing sent for a rolled-back change, and the problems answered for bad requests."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from notice_service.adapters.http_webhook_sender import HttpWebhookSender
from notice_service.adapters.system_clock import FixedClock
from notice_service.bootstrap import build_services
from notice_service.db.models.claims import Payment
from notice_service.db.models.outbox import OUTBOX_MESSAGE_ID, OutboxMessage
from notice_service.db.models.webhooks import WebhookSubscription
from notice_service.domain.webhook_events import EventType
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.delivery.deadlines import expire_deadlines
from notice_service.use_cases.webhooks.dispatch import event_handler
from notice_service.worker import run_until_idle
from tests.functional.conftest import NOW, Api
from tests.functional.delivery.test_deliveries import dispatch, issued_notice

PROBLEM = "application/problem+json"
INVOICE_NUMBERS = itertools.count(100)


class Receiver:
    """A real HTTP endpoint on 127.0.0.1: records each request and answers the queued status codes (then 200);
    with ``echo``, a 200 answers what it was sent, as a careless receiver does."""

    def __init__(self, echo: bool = False) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        self.always: int | None = None
        self.echo = echo
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.always or (receiver.statuses.pop(0) if receiver.statuses else 200)
                answer = (
                    (b"received " + body if receiver.echo else b"ok")
                    if status < 300
                    else b"receiver is down " + b"x" * 5000
                )
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/notice-service"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def verified(self, secret: str) -> list[dict[str, Any]]:
        """Every body received, each checked against its signature headers as a subscriber would."""
        return [Webhook(secret).verify(body, headers) for headers, body in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    yield started
    started.close()


@pytest.fixture
def services(tmp_path: Path, database_url: str) -> Iterator[Services]:
    settings = Settings(data_dir=tmp_path, database_url=database_url, webhook_allow_private_targets=True)
    built = build_services(settings, clock=FixedClock(NOW))
    yield built
    built.db.engine.dispose()


def drain(services: Services) -> None:
    run_until_idle(services)


def subscribe(api: Api, url: str, *event_types: str) -> dict[str, Any]:
    response = api.post("/v1/webhooks/subscriptions", {"url": url, "event_types": list(event_types)})
    assert response.status_code == 201, response.json
    assert response.json["secret"].startswith("whsec_")
    return dict(response.json)


def new_invoice(api: Api) -> str:
    debtor = api.post(
        "/v1/debtors",
        {
            "kind": "business",
            "name": "Boulangerie Martin SARL",
            "siren": "732829320",
            "address": {"lines": ["8 avenue Jean Jaurès"], "postal_code": "75019", "city": "Paris"},
        },
    )
    invoice = api.post(
        "/v1/invoices",
        {
            "debtor_id": debtor.json["id"],
            "number": f"F-{next(INVOICE_NUMBERS)}",
            "issue_date": "2026-03-01",
            "due_date": "2026-03-31",
            "amount_due": "500.00",
        },
    )
    assert invoice.status_code == 201, invoice.json
    return str(invoice.json["id"])


def record_payment(api: Api, invoice_id: str, amount: str = "100.00") -> Any:
    return api.post(f"/v1/invoices/{invoice_id}/payments", {"amount": amount, "paid_on": "2026-04-15"})


def deliveries(api: Api, subscription_id: str) -> list[dict[str, Any]]:
    response = api.get(f"/v1/webhooks/deliveries?subscription_id={subscription_id}")
    assert response.status_code == 200, response.json
    return list(response.json["items"])


def test_every_event_type_arrives_signed_and_every_attempt_is_logged(
    api: Api, services: Services, receiver: Receiver
) -> None:
    events = ("notice.issued", "delivery.updated", "deadline.expired", "payment.recorded")
    subscription = subscribe(api, receiver.url, *events)
    listed = api.get("/v1/webhooks/subscriptions").json["items"]
    assert [s["id"] for s in listed] == [subscription["id"]] and "secret" not in listed[0]

    ids = issued_notice(api, services)  # records a payment, then issues a mise en demeure
    delivery = dispatch(api, ids["notice_id"], channel="bailiff", provider="manual")
    signified = {"kind": "delivered", "occurred_at": "2026-12-01T15:00:00+01:00"}
    assert api.post(f"/v1/deliveries/{delivery['id']}/facts", signified).status_code == 201
    assert expire_deadlines(services) >= 1  # deadline 9 December, today 20 December
    drain(services)

    bodies = receiver.verified(subscription["secret"])  # raises unless every signature matches
    types = [body["type"] for body in bodies]
    assert sorted(types) == sorted([*events, "delivery.updated"])  # dispatched (created), then delivered
    data = {(body["type"], body["data"].get("status")): body["data"] for body in bodies}
    assert data[("notice.issued", None)]["notice_id"] == ids["notice_id"]
    assert data[("delivery.updated", "delivered")] == {
        "delivery_id": delivery["id"],
        "notice_id": ids["notice_id"],
        "status": "delivered",
    }
    assert data[("deadline.expired", None)]["deadline_on"] == "2026-12-09"
    assert data[("payment.recorded", None)]["amount"] == "200.00"
    assert len({headers["webhook-id"] for headers, _ in receiver.received}) == len(bodies) == 5
    log = deliveries(api, subscription["id"])
    assert {d["status"] for d in log} == {"succeeded"} and len(log) == 5
    assert all(d["attempts"][0]["status_code"] == 200 and d["attempts"][0]["response_excerpt"] == "ok" for d in log)


def test_a_failing_receiver_is_retried_with_backoff(api: Api, services: Services, receiver: Receiver) -> None:
    subscription = subscribe(api, receiver.url, "payment.recorded")
    receiver.statuses = [500]
    assert record_payment(api, new_invoice(api)).status_code == 201
    drain(services)
    [pending] = deliveries(api, subscription["id"])
    assert pending["status"] == "pending" and pending["attempts"][0]["status_code"] == 500
    assert pending["attempts"][0]["response_excerpt"].startswith("receiver is down")
    assert len(pending["attempts"][0]["response_excerpt"]) <= 2048  # truncated
    assert datetime.fromisoformat(pending["next_attempt_at"]) == services.clock.now() + timedelta(seconds=5)
    drain(services)
    assert len(receiver.received) == 1  # not before its time

    assert isinstance(services.clock, FixedClock)
    services.clock.advance(timedelta(seconds=5))
    drain(services)
    [done] = deliveries(api, subscription["id"])
    assert done["status"] == "succeeded" and [a["status_code"] for a in done["attempts"]] == [500, 200]
    bodies = receiver.verified(subscription["secret"])
    assert bodies[0] == bodies[1] and bodies[0]["type"] == "payment.recorded"
    assert receiver.received[0][0]["webhook-id"] == receiver.received[1][0]["webhook-id"] == done["event_id"]


def _run_until_settled(api: Api, services: Services, subscription_id: str) -> dict[str, Any]:
    assert isinstance(services.clock, FixedClock)
    for _ in range(100):
        drain(services)
        [current] = deliveries(api, subscription_id)
        if current["status"] != "pending":
            return current
        services.clock.advance(datetime.fromisoformat(current["next_attempt_at"]) - services.clock.now())
    raise AssertionError("the delivery never settled")


def test_a_dead_receiver_is_given_up_after_three_days_and_can_be_replayed(
    api: Api, services: Services, receiver: Receiver
) -> None:
    subscription = subscribe(api, receiver.url, "payment.recorded")
    receiver.always = 503
    assert record_payment(api, new_invoice(api)).status_code == 201
    started = services.clock.now()
    failed = _run_until_settled(api, services, subscription["id"])
    assert failed["status"] == "failed" and failed["last_error"] == "HTTP 503"
    times = [datetime.fromisoformat(a["attempted_at"]) for a in failed["attempts"]]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert gaps[:4] == [timedelta(seconds=s) for s in (5, 10, 20, 40)]  # exponential
    assert max(gaps) == timedelta(hours=12) and times[-1] - started <= timedelta(days=3)
    assert times[-1] + timedelta(hours=12) > started + timedelta(days=3)  # gave up only when the window ran out
    assert len(receiver.received) == failed["attempt_count"] == len(times)

    receiver.always = None
    replayed = api.post(f"/v1/webhooks/deliveries/{failed['id']}/replay")
    assert replayed.status_code == 202 and replayed.json["status"] == "pending"
    drain(services)
    [done] = deliveries(api, subscription["id"])
    assert done["status"] == "succeeded" and done["attempts"][-1]["status_code"] == 200
    assert {headers["webhook-id"] for headers, _ in receiver.received} == {done["event_id"]}
    receiver.verified(subscription["secret"])


def test_a_rolled_back_change_sends_nothing(api: Api, services: Services, receiver: Receiver) -> None:
    subscription = subscribe(api, receiver.url, "payment.recorded")
    invoice_id = new_invoice(api)
    before = payment_events(services)
    seen_in_transaction: list[int] = []

    def note_payment(session: Session, _context: object) -> None:
        if any(isinstance(row, Payment) for row in session.new):
            session.info["payment_flushed"] = True

    def fail_commit(session: Session) -> None:
        if session.info.pop("payment_flushed", False):
            session.flush()  # everything the use case wrote, its outbox row included, is in the transaction
            seen_in_transaction.append(payment_events(services, session))
            raise RuntimeError("the database went away at commit")

    event.listen(Session, "after_flush", note_payment)
    event.listen(Session, "before_commit", fail_commit)
    try:
        refused = record_payment(api, invoice_id, "123.45")
    finally:
        event.remove(Session, "before_commit", fail_commit)
        event.remove(Session, "after_flush", note_payment)
    assert refused.status_code == 500 and refused.mimetype == PROBLEM
    assert seen_in_transaction == [before + 1] and payment_events(services) == before  # written, rolled back
    assert api.get(f"/v1/invoices/{invoice_id}").json["payments"] == []
    drain(services)
    assert receiver.received == [] and deliveries(api, subscription["id"]) == []

    assert record_payment(api, invoice_id, "123.45").status_code == 201
    drain(services)
    assert [body["data"]["amount"] for body in receiver.verified(subscription["secret"])] == ["123.45"]


def payment_events(services: Services, session: Session | None = None) -> int:
    query = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.topic == "payment.recorded")
    if session is not None:
        return int(session.execute(query).scalar_one())
    with services.db.reading() as reader:
        return int(reader.execute(query).scalar_one())


def test_private_targets_are_refused_unless_allowed(api: Api, services: Services, receiver: Receiver) -> None:
    services.settings = replace(services.settings, webhook_allow_private_targets=False)
    for url in (receiver.url, "http://localhost:8080/x", "http://[::1]/x", "http://169.254.169.254/latest"):
        refused = api.post("/v1/webhooks/subscriptions", {"url": url, "event_types": ["notice.issued"]})
        assert refused.status_code == 422 and refused.mimetype == PROBLEM, url
        assert [e["field"] for e in refused.json["errors"]] == ["url"]
    strict = HttpWebhookSender(allow_private_targets=False)
    outcome = strict.send(receiver.url, "whsec_" + "A" * 44, "msg_1", "{}")
    assert outcome.status_code is None and outcome.error is not None and "refused" in outcome.error
    assert receiver.received == []  # checked before connecting


def test_deleting_a_subscription_stops_its_deliveries(api: Api, services: Services, receiver: Receiver) -> None:
    subscription = subscribe(api, receiver.url, "payment.recorded")
    receiver.statuses = [500]
    assert record_payment(api, new_invoice(api)).status_code == 201
    drain(services)  # the first attempt fails; a retry is scheduled
    assert api.client.delete(f"/v1/webhooks/subscriptions/{subscription['id']}", headers=api.headers).status_code == 204
    assert api.get("/v1/webhooks/subscriptions").json["items"] == []
    assert isinstance(services.clock, FixedClock)
    services.clock.advance(timedelta(minutes=1))
    drain(services)
    assert len(receiver.received) == 1
    [given_up] = deliveries(api, subscription["id"])  # the log stays readable
    assert given_up["status"] == "failed" and given_up["last_error"] == "the subscription was deleted"
    replay = api.post(f"/v1/webhooks/deliveries/{given_up['id']}/replay")
    assert replay.status_code == 409 and replay.mimetype == PROBLEM
    assert record_payment(api, new_invoice(api)).status_code == 201
    drain(services)
    assert len(receiver.received) == 1 and len(deliveries(api, subscription["id"])) == 1  # no new deliveries


def _count(services: Services) -> int:
    with services.db.reading() as session:
        return int(session.execute(select(func.count()).select_from(WebhookSubscription)).scalar_one())


BAD_CREATIONS: list[tuple[Any, str]] = [
    ({"url": "ftp://example.com/x", "event_types": ["notice.issued"]}, "url"),
    ({"url": "not a url", "event_types": ["notice.issued"]}, "url"),
    ({"url": "https://user:pw@example.com/x", "event_types": ["notice.issued"]}, "url"),
    ({"url": "https://example.com:99999/x", "event_types": ["notice.issued"]}, "url"),
    ({"url": "https://example.com/x", "event_types": ["invoice.eaten"]}, "event_types.0"),
    ({"url": "https://example.com/x", "event_types": []}, "event_types"),
    ({"url": "https://example.com/x", "event_types": ["notice.issued", "notice.issued"]}, "event_types"),
    ({"url": "https://example.com/x", "event_types": ["notice.issued"], "secret": "mine"}, "secret"),
    ({"event_types": ["notice.issued"]}, "url"),
]


@pytest.mark.parametrize(("body", "field"), BAD_CREATIONS)
def test_bad_subscriptions_are_problems_and_create_nothing(api: Api, services: Services, body: Any, field: str) -> None:
    before = _count(services)
    response = api.post("/v1/webhooks/subscriptions", body)
    assert response.status_code == 422 and response.mimetype == PROBLEM, response.json
    assert field in [e["field"] for e in response.json["errors"]]
    assert _count(services) == before


def test_other_tenants_and_unknown_ids_are_404_problems(
    api: Api, other_api: Api, services: Services, receiver: Receiver
) -> None:
    theirs = subscribe(other_api, receiver.url, "payment.recorded")
    assert record_payment(other_api, new_invoice(other_api)).status_code == 201
    drain(services)
    [their_delivery] = deliveries(other_api, theirs["id"])
    answers = [
        api.client.delete(f"/v1/webhooks/subscriptions/{theirs['id']}", headers=api.headers),
        api.get(f"/v1/webhooks/deliveries?subscription_id={theirs['id']}"),
        api.post(f"/v1/webhooks/deliveries/{their_delivery['id']}/replay"),
        api.post("/v1/webhooks/deliveries/00000000-0000-0000-0000-000000000000/replay"),
        api.client.delete("/v1/webhooks/subscriptions/nope", headers=api.headers),
    ]
    assert [(a.status_code, a.mimetype) for a in answers] == [(404, PROBLEM)] * len(answers)
    assert api.get("/v1/webhooks/deliveries").json["items"] == []
    assert [s["id"] for s in other_api.get("/v1/webhooks/subscriptions").json["items"]] == [theirs["id"]]
    unauthenticated = api.client.get("/v1/webhooks/subscriptions")
    assert unauthenticated.status_code == 401 and unauthenticated.mimetype == PROBLEM
    not_json = api.client.post("/v1/webhooks/subscriptions", data="url=x", headers=api.headers)
    assert not_json.status_code == 415 and not_json.mimetype == PROBLEM


_EVENT_NUMBERS = itertools.count(424242)


def test_an_event_fanned_out_twice_is_delivered_once(api: Api, services: Services, receiver: Receiver) -> None:
    """A worker killed after the fan-out committed, before its outbox row was marked done, runs it again."""
    subscription = subscribe(api, receiver.url, "payment.recorded")
    handler = event_handler(EventType.PAYMENT_RECORDED)
    payload = {"invoice_id": "inv-1", "amount": "10.00", OUTBOX_MESSAGE_ID: next(_EVENT_NUMBERS)}
    tenant_id = tenant_of(services, subscription["id"])
    handler(services, tenant_id, payload)
    handler(services, tenant_id, payload)
    drain(services)
    listed = deliveries(api, subscription["id"])
    assert len(listed) == 1
    assert len(receiver.received) == 1
    assert OUTBOX_MESSAGE_ID.encode() not in receiver.received[0][1]


def tenant_of(services: Services, subscription_id: str) -> str:
    with services.db.reading() as session:
        return session.get_one(WebhookSubscription, subscription_id).tenant_id
