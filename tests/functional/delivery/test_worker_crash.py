"""kill -9 of a worker between Merci Facteur's answer and our commit, then a restart: one letter, not two.

The worker runs as its own process (``python -m notice_service.cli worker --once``, this checkout on
``PYTHONPATH``) against the test's database and data directory. ``NOTICE_FAULT_POINT=after-provider-answer``
(``notice_service/faults.py``, armed by the composition root) makes it exit (``os._exit``) once the twin accepted
the letter;
its outbox lease is one second (``NOTICE_WORKER_LEASE_SECONDS``), so the second worker, without the fault
point, takes the message again: the same ``antidoublon`` is refused by the twin, the adapter finds the letter
already accepted, and the delivery ends ``submitted`` with the twin's reference. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from notice_service.faults import FAULT_EXIT
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.delivery.providers import MERCI_FACTEUR, PostalTwin, Provider, account
from tests.functional.notices.test_formal_notice_flow import open_case
from tests.twins.merci_facteur import MerciFacteurTwin

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def twin() -> Iterator[MerciFacteurTwin]:
    with MerciFacteurTwin().started() as started:  # on the real clock, as the worker processes are
        yield started


def run_worker(services: Services, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if k != "NOTICE_FAULT_POINT"},  # set only where a test asks
        "PYTHONPATH": str(ROOT),
        "NOTICE_DATA_DIR": str(services.settings.data_dir),
        "NOTICE_DATABASE_URL": services.settings.resolved_database_url,
        "NOTICE_WORKER_LEASE_SECONDS": "1",
        "NOTICE_PROVIDER_CALLS_PER_MINUTE": "0",  # as in-process (tests/functional/conftest.make_services)
        **extra,
    }
    command = [sys.executable, "-m", "notice_service.cli", "worker", "--once"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False)


def queued_then_killed_and_restarted(
    api: Api, services: Services, provider: Provider, twin: PostalTwin, body: dict[str, str]
) -> dict[str, Any]:
    """The provider's account PUT, a notice issued and its delivery (``body``) queued; a worker killed once the
    provider answered (the provider took it, we never recorded it), then workers restarted once its lease ran out
    until the delivery moved: the delivery then."""
    put = api.client.put(f"/v1/providers/{provider.name}", json=account(provider, twin), headers=api.headers)
    assert put.status_code == 200, put.json
    ids = open_case(api)
    notice = api.post(
        f"/v1/cases/{ids['case_id']}/notices", {"kind": "formal_notice", "as_of": "2026-06-30", "issue": True}
    )
    assert notice.status_code == 201, notice.json
    queued = api.post(f"/v1/notices/{notice.json['id']}/deliveries", body).json
    assert queued["status"] == "queued"

    for _ in range(5):  # on a shared PostgreSQL, a batch may first hold other tests' messages
        killed = run_worker(services, NOTICE_FAULT_POINT="after-provider-answer")
        if killed.returncode != 0:
            break
    assert killed.returncode == FAULT_EXIT, killed.stderr[-2000:]
    assert twin.received() == 1  # the provider took it ...
    assert api.get(f"/v1/deliveries/{queued['id']}").json["status"] == "queued"  # ... and we never recorded it

    time.sleep(1.5)  # the killed worker's lease runs out
    for _ in range(5):
        restarted = run_worker(services)
        assert restarted.returncode == 0, restarted.stderr[-2000:]
        delivery: dict[str, Any] = api.get(f"/v1/deliveries/{queued['id']}").json
        if delivery["status"] != "queued":
            break
    return delivery


def test_a_worker_killed_after_the_provider_answered_posts_nothing_twice(
    api: Api, services: Services, twin: MerciFacteurTwin
) -> None:
    body = {"channel": "registered_letter", "provider": "merci_facteur"}
    delivery = queued_then_killed_and_restarted(api, services, MERCI_FACTEUR, twin, body)
    [letter] = twin.letters
    assert twin.received() == 1 and twin.received(delivery["id"]) == 1  # one letter, never two
    assert delivery["status"] == "submitted" and delivery["provider_reference"] == letter.ref
    assert delivery["tracking_number"] == letter.tracking and delivery["price"] == letter.price
    sends = [request for request in twin.requests if request == ("POST", "sendCourrier")]
    assert len(sends) == 2  # the restart asked again with the same antidoublon and was refused: find answered
