"""A paper provider's 5xx then success, and a 429 that backs off the whole account, for Merci Facteur and Maileva
(each real adapter against its twin), on SQLite and PostgreSQL: the delivery stays queued and is tried again, and
after a 429 no other delivery of the account calls the provider before its Retry-After."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from notice_service import worker
from notice_service.adapters.system_clock import FixedClock
from notice_service.db.models.outbox import OutboxMessage
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.delivery.providers import MAILEVA, MERCI_FACTEUR, PostalTwin, Provider, configure, tenant_of
from tests.functional.delivery.test_deliveries import dispatch, issued_notice


@pytest.mark.parametrize("provider", [MERCI_FACTEUR, MAILEVA], ids=lambda p: p.name)
def test_5xx_then_success_and_a_429_backs_off_the_whole_account(
    api: Api, services: Services, provider: Provider
) -> None:
    with provider.twin(services).started() as twin:
        configure(api, provider, twin)
        ids = issued_notice(api, services)
        first = dispatch(api, ids["notice_id"], channel="registered_letter", provider=provider.name)
        twin.fail_next(500)
        worker.run_until_idle(services)
        assert api.get(f"/v1/deliveries/{first['id']}").json["status"] == "queued"  # retried later, not failed
        assert isinstance(services.clock, FixedClock)
        services.clock.advance(timedelta(seconds=5))
        worker.run_until_idle(services)
        assert api.get(f"/v1/deliveries/{first['id']}").json["status"] == "submitted" and twin.received() == 1
        _a_429_backs_off_the_whole_account(api, services, provider, twin, ids["notice_id"])
        assert twin.received() == 3 and provider.held(twin) == 3


def _a_429_backs_off_the_whole_account(
    api: Api, services: Services, provider: Provider, twin: PostalTwin, notice_id: str
) -> None:
    second = dispatch(api, notice_id, channel="registered_letter", provider=provider.name)
    third = dispatch(api, notice_id, channel="registered_letter", provider=provider.name)
    twin.fail_next(429, retry_after=600)
    before = len(twin.requests)
    worker.run_until_idle(services)
    statuses = {d: api.get(f"/v1/deliveries/{d}").json["status"] for d in (second["id"], third["id"])}
    assert statuses == {second["id"]: "queued", third["id"]: "queued"}  # the other one waits too
    assert api.get(f"/v1/providers/{provider.name}").json["not_before"] is not None
    assert len(twin.requests) == before + 1  # the one answered 429: the other delivery never called the provider
    with services.db.reading() as session:
        waiting = (
            session.execute(
                select(OutboxMessage).where(OutboxMessage.done_at.is_(None), OutboxMessage.tenant_id == tenant_of(api))
            )
            .scalars()
            .all()
        )
        assert all(
            m.available_at >= services.clock.now() + timedelta(seconds=599)
            for m in waiting
            if m.topic == "dispatch.submit"
        )
    services.clock.advance(timedelta(seconds=601))
    worker.run_until_idle(services)
    assert {api.get(f"/v1/deliveries/{d}").json["status"] for d in (second["id"], third["id"])} == {"submitted"}
