"""The worker killed while it fans an event out to webhooks, delivers one, or sends a notice by e-mail; then a
worker again (here, once the dead one's outbox lease ran out).

The outbox message is claimed in its own commit, the handler's effect commits next, then the message is marked
done. Killed after the claim, nothing happened: the restart does it once. Killed before the handler's commit,
nothing of it is in the database: the restart does it (again). Killed after it, the restart sees the effect and
does not repeat it (a fan-out makes no second delivery row; a delivery no longer ``queued`` is not sent).
Deliveries to the outside cannot be taken back: a webhook POSTed or an e-mail sent just before the kill is sent
again by the restart, with the same ``webhook-id`` / ``Message-ID`` so the receiver recognises the repeat
(at least once, never lost).
"""

from __future__ import annotations

import email
from collections.abc import Iterator
from email.policy import default

import pytest
from sqlalchemy import select

from notice_service.db.models.delivery import Delivery
from notice_service.db.models.outbox import OUTBOX_MESSAGE_ID, OutboxMessage
from notice_service.db.models.webhooks import WebhookDelivery
from notice_service.use_cases.audit.mirror import mirror_pending
from notice_service.worker import HANDLERS
from notice_service.worker import _finish as finish_message
from tests.functional.conftest import Api
from tests.functional.delivery.test_deliveries import dispatch
from tests.functional.notices.test_formal_notice_flow import open_case
from tests.functional.webhooks.test_outbound import Receiver
from tests.integration.faults.conftest import World

# after the claim (#1) the first message's handler commits (#2); the event is the first message (asserted)
WEBHOOK_POINTS = ("after-outbox-claim", "before-commit#2", "after-commit#2", "mid-webhook-delivery")
EMAIL_POINTS = ("after-outbox-claim", "before-commit#2", "after-commit#2")


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    yield started
    started.close()


def _pending_topics(world: World, tenant_id: str, topic: str) -> list[str]:
    """What the next worker finds, once the tenant's audit records are mirrored and its other messages handled
    here (as a worker would), so the operation's own message is the first of the batch and its handler's commit
    the second."""
    mirror_pending(world.services, tenant_id)
    with world.services.db.reading() as session:
        others = list(
            session.execute(
                select(OutboxMessage).where(OutboxMessage.done_at.is_(None), OutboxMessage.topic != topic)
            ).scalars()
        )
        session.expunge_all()
    for message in others:
        HANDLERS[message.topic](world.services, message.tenant_id, {**message.payload, OUTBOX_MESSAGE_ID: message.id})
        finish_message(world.services, message.id, None)
    with world.services.db.reading() as session:
        query = select(OutboxMessage.topic).where(OutboxMessage.done_at.is_(None)).order_by(OutboxMessage.id)
        return list(session.execute(query).scalars())


def _issued(world: World, name: str) -> tuple[str, Api, str]:
    tenant_id, api = world.tenant(name)
    ids = open_case(api)
    created = api.post(
        f"/v1/cases/{ids['case_id']}/notices", {"kind": "formal_notice", "as_of": "2026-06-30", "issue": True}
    )
    assert created.status_code == 201, created.json
    return tenant_id, api, created.json["id"]


@pytest.mark.parametrize("point", WEBHOOK_POINTS)
def test_a_worker_killed_during_a_webhook_fan_out_delivers_every_event_once_or_again(
    world: World, receiver: Receiver, point: str
) -> None:
    tenant_id, api = world.tenant(f"Webhooks {point}")
    subscribed = api.post("/v1/webhooks/subscriptions", {"url": receiver.url, "event_types": ["notice.issued"]})
    assert subscribed.status_code == 201, subscribed.json
    ids = open_case(api)
    world.drain()
    received_before = len(receiver.received)
    issued = api.post(
        f"/v1/cases/{ids['case_id']}/notices", {"kind": "formal_notice", "as_of": "2026-06-30", "issue": True}
    )
    assert issued.status_code == 201, issued.json
    assert _pending_topics(world, tenant_id, "notice.issued") == [
        "notice.issued"
    ]  # the first message of the dead worker's batch

    world.crash(point, "worker")
    sent_by_the_dead = len(receiver.received) - received_before
    assert sent_by_the_dead == (1 if point == "mid-webhook-delivery" else 0)

    world.drain()
    world.drain()  # a second restart finds nothing left to do
    rows = world.count(WebhookDelivery, WebhookDelivery.tenant_id == tenant_id)
    assert rows == 1  # one delivery of the one event to the one subscription, never two
    with world.services.db.reading() as session:
        [delivery] = session.execute(select(WebhookDelivery).where(WebhookDelivery.tenant_id == tenant_id)).scalars()
    assert delivery.status == "succeeded", delivery.status
    posts = receiver.received[received_before:]
    assert len(posts) == 1 + sent_by_the_dead  # lost never; repeated only when the kill came after the POST
    assert len({headers["webhook-id"] for headers, _ in posts}) == 1  # the repeat carries the same id
    assert world.count(OutboxMessage, OutboxMessage.tenant_id == tenant_id, OutboxMessage.done_at.is_(None)) == 0
    world.assert_ledger_verifies(tenant_id)


@pytest.mark.parametrize("point", EMAIL_POINTS)
def test_a_worker_killed_while_sending_a_notice_by_email_sends_it_once_or_recognisably_again(
    world: World, point: str
) -> None:
    tenant_id, api, notice_id = _issued(world, f"E-mail {point}")
    world.drain()
    queued = dispatch(api, notice_id, channel="email", provider="email", recipient_email="dg@martin.example")
    assert _pending_topics(world, tenant_id, "dispatch.submit") == ["dispatch.submit"]
    sent_before = len(world.smtp)

    world.crash(point, "worker")
    sent_by_the_dead = len(world.smtp) - sent_before
    assert sent_by_the_dead == (0 if point == "after-outbox-claim" else 1)
    with world.services.db.reading() as session:
        assert session.get_one(Delivery, queued["id"]).status == (
            "submitted" if point == "after-commit#2" else "queued"
        )

    world.drain()
    world.drain()
    delivery = api.get(f"/v1/deliveries/{queued['id']}").json
    assert delivery["status"] == "submitted"
    mails = [email.message_from_bytes(m.data, policy=default) for m in world.smtp[sent_before:]]
    resent = point == "before-commit#2"  # sent, then killed before the submission was recorded
    assert len(mails) == (2 if resent else 1)
    assert {m["Message-ID"] for m in mails} == {f"<delivery-{queued['id']}@atelier.example>"}
    assert delivery["provider_reference"] == mails[0]["Message-ID"]
    assert world.count(Delivery, Delivery.tenant_id == tenant_id) == 1
    assert len([f for f in delivery["facts"] if f["kind"] == "submitted"]) == 1  # recorded once
    world.assert_ledger_verifies(tenant_id)
