"""kill -9 of a worker between Maileva's answer and our commit, then a restart: one letter, not two.

The worker runs as its own process (``python -m notice_service.cli worker --once``, this checkout on
``PYTHONPATH``) against the test's database and data directory. ``NOTICE_FAULT_POINT=after-provider-answer``
makes it die (``os._exit``: no clean-up, as kill -9) once the twin took the submission. Maileva has no idempotency
header: the restarted worker's adapter lists the account's sendings, finds the one whose ``custom_id`` is the
delivery id already submitted, and answers its receipt without creating, uploading or submitting anything. On
SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.delivery.providers import MAILEVA
from tests.functional.delivery.test_worker_crash import queued_then_killed_and_restarted
from tests.twins.maileva import MailevaTwin


@pytest.fixture
def twin() -> Iterator[MailevaTwin]:
    with MailevaTwin(now=lambda: datetime(2026, 12, 1, 9, tzinfo=UTC).timestamp()).started() as started:  # fixed
        yield started


def test_a_worker_killed_after_maileva_answered_posts_nothing_twice(
    api: Api, services: Services, twin: MailevaTwin
) -> None:
    body = {"channel": "registered_letter", "provider": "maileva"}
    delivery = queued_then_killed_and_restarted(api, services, MAILEVA, twin, body)
    [sending] = twin.sendings
    [recipient] = sending.recipients
    assert twin.received() == 1 and twin.received(delivery["id"]) == 1  # one letter, never two
    assert delivery["status"] == "submitted" and delivery["provider_reference"] == sending.id
    assert delivery["tracking_number"] == recipient["registered_number"] and delivery["price"] == "7.45"
    posts = [path for method, path in twin.requests if method == "POST" and "/sendings" in path]
    assert len(posts) == 4  # create, document, recipient, submit: all by the killed worker, none by the restart
    assert len(sending.documents) == 1
