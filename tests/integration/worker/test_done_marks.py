"""When a handled outbox message is marked done (``worker.py``): by the same worker's next claim, in the claim's
transaction, a batch's messages at once. Until then the message's lease keeps other workers off it; a failed
message is never carried to the mark, it waits for its retry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from notice_service.db.models.outbox import OUTBOX_MESSAGE_ID, OutboxMessage
from notice_service.db.outbox import queue_event
from notice_service.services import Services
from notice_service.use_cases.tenants.onboarding import create_tenant
from notice_service.worker import claim, run_once, run_until_idle
from tests.functional.conftest import CREDITOR_PROFILE

TOPIC = "test.echo"


def _queue(services: Services, tenant_id: str, count: int) -> list[int]:
    with services.db.transaction() as session:
        rows = [
            queue_event(session, tenant_id=tenant_id, topic=TOPIC, payload={"n": n}, at=services.clock.now())
            for n in range(count)
        ]
        session.flush()
        return [row.id for row in rows]


def _rows(services: Services, ids: list[int]) -> dict[int, OutboxMessage]:
    with services.db.reading() as session:
        rows = session.execute(select(OutboxMessage).where(OutboxMessage.id.in_(ids))).scalars().all()
        session.expunge_all()
    return {row.id: row for row in rows}


def _handlers(seen: list[int], failing: set[int]) -> Mapping[str, Any]:
    def echo(_services: Services, _tenant_id: str, payload: Mapping[str, Any]) -> None:
        seen.append(int(payload[OUTBOX_MESSAGE_ID]))
        if payload["n"] in failing:
            raise RuntimeError(f"message {payload['n']} refused")

    return {TOPIC: echo}


def test_a_handled_batch_is_marked_done_by_the_next_claim_and_leased_until_then(services: Services) -> None:
    tenant_id = create_tenant(services, name="Atelier", siren="404833048", profile=CREDITOR_PROFILE).tenant_id
    ids = _queue(services, tenant_id, 3)
    seen: list[int] = []
    handlers = _handlers(seen, failing={1})
    finished: list[int] = []

    assert run_once(services, handlers, finished) == 2
    assert seen == ids and finished == [ids[0], ids[2]]  # the failed one is not carried
    rows = _rows(services, ids)
    assert [rows[i].done_at for i in ids] == [None, None, None]
    assert rows[ids[0]].locked_until is not None and rows[ids[2]].locked_until is not None  # still leased
    assert rows[ids[1]].locked_until is None and "message 1 refused" in (rows[ids[1]].last_error or "")
    assert rows[ids[1]].available_at > services.clock.now()  # its retry, after the backoff
    assert claim(services) == []  # another worker: the handled ones are leased, the failed one not yet due

    assert run_once(services, handlers, finished) == 0  # the next claim finds nothing, and marks the two
    rows = _rows(services, ids)
    assert rows[ids[0]].done_at is not None and rows[ids[2]].done_at is not None
    assert rows[ids[0]].locked_until is None and rows[ids[2]].locked_until is None
    assert rows[ids[1]].done_at is None and finished == [] and seen == ids  # nothing handled twice


def test_without_a_carried_list_the_batch_is_marked_before_the_return(services: Services) -> None:
    """``notice-service worker --once`` and the tests' ``run_until_idle`` leave nothing handled unmarked."""
    tenant_id = create_tenant(services, name="Atelier", siren="404833048", profile=CREDITOR_PROFILE).tenant_id
    first = _queue(services, tenant_id, 2)
    seen: list[int] = []
    assert run_once(services, _handlers(seen, failing=set())) == 2
    assert all(row.done_at is not None for row in _rows(services, first).values())

    later = _queue(services, tenant_id, 25)  # more than a claim's batch
    assert run_until_idle(services, _handlers(seen, failing=set())) == 25
    assert all(row.done_at is not None for row in _rows(services, later).values())
    assert seen == first + later
