"""A worker process freezes its heap once, after its first batch that handled something (``worker.freeze_heap``):
what lived then is outside the collector's generations (``gc.get_objects`` no longer lists it), what comes later
is collected as usual; the embedded profile's worker thread (``freeze=False``) leaves the server's heap alone."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest

from notice_service.db.outbox import queue_event
from notice_service.services import Services
from notice_service.use_cases.tenants.onboarding import create_tenant
from notice_service.worker import HANDLERS, pending_count, run_forever
from tests.functional.conftest import CREDITOR_PROFILE
from tests.integration.worker.bulk import wait_for

TOPIC = "test.keep"


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[int, list[int]]]:
    """A handler (registered for the test) keeping one new list per message, by the message's ``n``."""
    objects: dict[int, list[int]] = {}

    def keep(_services: Services, _tenant_id: str, payload: Mapping[str, Any]) -> None:
        objects[int(payload["n"])] = [int(payload["n"])]

    monkeypatch.setitem(HANDLERS, TOPIC, keep)
    gc.unfreeze()
    yield objects
    gc.unfreeze()  # the rest of the session collects as before


def _queue(services: Services, tenant_id: str, n: int) -> None:
    with services.db.transaction() as session:
        queue_event(session, tenant_id=tenant_id, topic=TOPIC, payload={"n": n}, at=services.clock.now())


def _tracked(obj: object) -> bool:
    return any(candidate is obj for candidate in gc.get_objects())


@contextmanager
def _worker(services: Services, freeze: bool) -> Iterator[None]:
    stop = threading.Event()
    worker = threading.Thread(target=run_forever, args=(services, stop), kwargs={"freeze": freeze})
    worker.start()
    try:
        yield
    finally:
        stop.set()
        worker.join()


def test_a_worker_freezes_what_lived_after_its_first_batch_and_only_then(
    services: Services, kept: dict[int, list[int]]
) -> None:
    tenant_id = create_tenant(services, name="Atelier", siren="404833048", profile=CREDITOR_PROFILE).tenant_id
    _queue(services, tenant_id, 1)
    assert gc.get_freeze_count() == 0

    with _worker(services, freeze=True):
        wait_for(lambda: 1 in kept and pending_count(services) == 0 and gc.get_freeze_count() > 0, "a freeze", 60)
        assert not _tracked(kept[1])  # it lived when the first batch ended: frozen
        _queue(services, tenant_id, 2)
        wait_for(lambda: 2 in kept and pending_count(services) == 0, "the second message", 60)
        assert _tracked(kept[2])  # made after the freeze: not frozen again


def test_the_embedded_worker_thread_leaves_the_heap_alone(services: Services, kept: dict[int, list[int]]) -> None:
    tenant_id = create_tenant(services, name="Atelier", siren="404833048", profile=CREDITOR_PROFILE).tenant_id
    _queue(services, tenant_id, 1)
    with _worker(services, freeze=False):
        wait_for(lambda: 1 in kept and pending_count(services) == 0, "the message", 60)
    assert gc.get_freeze_count() == 0 and _tracked(kept[1])
