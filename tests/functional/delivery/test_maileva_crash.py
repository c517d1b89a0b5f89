"""kill -9 of a worker between Maileva's answer and our commit, then a restart: one letter, not two.

The worker runs as its own process (``python -m notice_service.cli worker --once``, this checkout on
``PYTHONPATH``) against the test's database and data directory. ``NOTICE_FAULT_POINT=after-provider-answer``
makes it die (``os._exit``: no clean-up, as kill -9) once the twin took the submission. Maileva has no idempotency
header: the restarted worker's adapter lists the account's sendings, finds the one whose ``custom_id`` is the
delivery id already submitted, and answers its receipt without creating, uploading or submitting anything. On
SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from notice_service.faults import FAULT_EXIT
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.delivery.providers import MAILEVA, account
from tests.functional.delivery.test_worker_crash import run_worker
from tests.functional.notices.test_formal_notice_flow import open_case
from tests.twins.maileva import MailevaTwin


@pytest.fixture
def twin() -> Iterator[MailevaTwin]:
    with MailevaTwin(now=lambda: datetime(2026, 12, 1, 9, tzinfo=UTC).timestamp()).started() as started:  # fixed
        yield started


def test_a_worker_killed_after_maileva_answered_posts_nothing_twice(
    api: Api, services: Services, twin: MailevaTwin
) -> None:
    put = api.client.put("/v1/providers/maileva", json=account(MAILEVA, twin), headers=api.headers)
    assert put.status_code == 200, put.json
    ids = open_case(api)
    notice = api.post(
        f"/v1/cases/{ids['case_id']}/notices", {"kind": "formal_notice", "as_of": "2026-06-30", "issue": True}
    )
    assert notice.status_code == 201, notice.json
    queued = api.post(
        f"/v1/notices/{notice.json['id']}/deliveries", {"channel": "registered_letter", "provider": "maileva"}
    ).json
    assert queued["status"] == "queued"

    for _ in range(5):  # on a shared PostgreSQL, a batch may first hold other tests' messages
        killed = run_worker(services, NOTICE_FAULT_POINT="after-provider-answer")
        if killed.returncode != 0:
            break
    assert killed.returncode == FAULT_EXIT, killed.stderr[-2000:]
    assert twin.received() == 1  # Maileva took it ...
    assert api.get(f"/v1/deliveries/{queued['id']}").json["status"] == "queued"  # ... and we never recorded it

    time.sleep(1.5)  # the killed worker's lease runs out
    for _ in range(5):
        restarted = run_worker(services)
        assert restarted.returncode == 0, restarted.stderr[-2000:]
        delivery = api.get(f"/v1/deliveries/{queued['id']}").json
        if delivery["status"] != "queued":
            break
    [sending] = twin.sendings
    [recipient] = sending.recipients
    assert twin.received() == 1 and twin.received(queued["id"]) == 1  # one letter, never two
    assert delivery["status"] == "submitted" and delivery["provider_reference"] == sending.id
    assert delivery["tracking_number"] == recipient["registered_number"] and delivery["price"] == "7.45"
    posts = [path for method, path in twin.requests if method == "POST" and "/sendings" in path]
    assert len(posts) == 4  # create, document, recipient, submit: all by the killed worker, none by the restart
    assert len(sending.documents) == 1
