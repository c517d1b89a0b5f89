"""The SMTP server refusing the e-mail channel's letters (aiosmtpd on 127.0.0.1 answering RCPT as scripted).

Behaviour: unreachable or a temporary refusal (4xx) leaves the delivery ``queued``; the outbox message keeps the
server's reply as its last error and is retried after its back-off (nothing sent twice, the same Message-ID);
a permanent refusal (5xx) fails the delivery with the server's reply as its reason, audited, and is not retried.
SQLite and PostgreSQL.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from notice_service import worker
from notice_service.adapters.smtp_mailer import SmtpMailer
from notice_service.adapters.system_clock import FixedClock
from notice_service.db.models.outbox import OutboxMessage
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.delivery.test_deliveries import dispatch, issued_notice
from tests.services.smtp import running_smtp


class Refuser:
    """Answers RCPT with the next scripted reply (the last one again once exhausted); keeps what it accepted."""

    def __init__(self) -> None:
        self.replies = ["250 OK"]
        self.accepted: list[bytes] = []
        self.rcpt_calls = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        reply = self.replies[min(self.rcpt_calls, len(self.replies) - 1)]
        self.rcpt_calls += 1
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.accepted.append(envelope.original_content)
        return "250 Message accepted for delivery"


@pytest.fixture
def refuser() -> Iterator[tuple[Refuser, int]]:
    handler = Refuser()
    with running_smtp(handler) as server:
        yield handler, server.port


def queued_email(api: Api, services: Services, port: int) -> str:
    ids = issued_notice(api, services)
    services.mailer = SmtpMailer("127.0.0.1", port, "relances@atelier.example", starttls=False, timeout=5)
    queued = dispatch(api, ids["notice_id"], channel="email", provider="email", recipient_email="dg@martin.example")
    return str(queued["id"])


def outbox_message(services: Services, delivery_id: str) -> OutboxMessage:
    with services.db.reading() as session:
        messages = session.execute(select(OutboxMessage).where(OutboxMessage.topic == "dispatch.submit")).scalars()
        [message] = [m for m in messages if m.payload.get("delivery_id") == delivery_id]
        return message


def test_a_temporary_refusal_is_retried_after_the_back_off_and_sent_once(
    api: Api, services: Services, refuser: tuple[Refuser, int]
) -> None:
    handler, port = refuser
    handler.replies = ["451 4.3.0 Mailbox temporarily unavailable", "250 OK"]
    delivery_id = queued_email(api, services, port)
    worker.run_until_idle(services)
    assert api.get(f"/v1/deliveries/{delivery_id}").json["status"] == "queued"
    waiting = outbox_message(services, delivery_id)
    assert waiting.done_at is None and waiting.attempts == 1
    assert "451" in (waiting.last_error or "") and "temporarily unavailable" in (waiting.last_error or "")
    assert isinstance(services.clock, FixedClock)
    assert waiting.available_at > services.clock.now()  # backed off, not retried in a loop
    worker.run_until_idle(services)
    assert handler.rcpt_calls == 1 and handler.accepted == []  # not before the back-off
    services.clock.advance(timedelta(minutes=5))
    worker.run_until_idle(services)
    delivery = api.get(f"/v1/deliveries/{delivery_id}").json
    assert delivery["status"] == "submitted", delivery
    assert len(handler.accepted) == 1 and outbox_message(services, delivery_id).done_at is not None


def test_an_unreachable_server_is_retried_too(api: Api, services: Services) -> None:
    with socket.socket() as probe:  # nobody listens once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    delivery_id = queued_email(api, services, port)
    worker.run_until_idle(services)
    assert api.get(f"/v1/deliveries/{delivery_id}").json["status"] == "queued"
    waiting = outbox_message(services, delivery_id)
    assert waiting.done_at is None and "did not accept the message" in (waiting.last_error or "")


def test_a_permanent_refusal_fails_the_delivery_with_the_servers_reason(
    api: Api, services: Services, refuser: tuple[Refuser, int]
) -> None:
    handler, port = refuser
    handler.replies = ["550 5.1.1 <dg@martin.example>: Recipient address rejected: User unknown"]
    delivery_id = queued_email(api, services, port)
    worker.run_until_idle(services)
    delivery = api.get(f"/v1/deliveries/{delivery_id}").json
    assert delivery["status"] == "failed", delivery
    failure = delivery["failure"]
    assert failure["code"] == "smtp-refused", delivery
    assert "550" in failure["reason"] and "User unknown" in failure["reason"], delivery
    assert [f["kind"] for f in delivery["facts"]] == ["failed"]
    assert outbox_message(services, delivery_id).done_at is not None  # handled: not retried
    assert isinstance(services.clock, FixedClock)
    services.clock.advance(timedelta(hours=1))
    worker.run_until_idle(services)
    assert handler.rcpt_calls == 1 and handler.accepted == []
