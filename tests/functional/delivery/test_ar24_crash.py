"""kill -9 of a worker between AR24's answer and our commit, then a restart: one LRE, not two.

As ``test_worker_crash.py`` does for Merci Facteur: the worker is its own process
(``python -m notice_service.cli worker --once``, this checkout on ``PYTHONPATH``), killed (``os._exit``, no clean-up) by
``NOTICE_FAULT_POINT=after-provider-answer`` once AR24's twin accepted the mail. AR24 has no idempotency key of
its own (a second ``POST /mail`` is a second registered letter, and a second charge), so the restarted worker's
adapter asks ``GET /user/mail`` first, finds the mail whose ``ref_client`` is the delivery id, and records it
without posting again. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.delivery.providers import AR24
from tests.functional.delivery.test_ar24 import RECIPIENT
from tests.functional.delivery.test_worker_crash import queued_then_killed_and_restarted
from tests.twins.ar24 import Ar24Twin


@pytest.fixture
def ar24() -> Iterator[Ar24Twin]:
    with Ar24Twin().started() as started:  # on the real clock, as the worker processes are
        yield started


def test_a_worker_killed_after_ar24_answered_sends_one_lre(api: Api, services: Services, ar24: Ar24Twin) -> None:
    body = {"channel": "electronic_registered", "provider": "ar24", "recipient_email": RECIPIENT}
    delivery = queued_then_killed_and_restarted(api, services, AR24, ar24, body)
    [mail] = ar24.mails
    assert ar24.received() == 1 and ar24.received(delivery["id"]) == 1  # one registered letter, never two
    assert delivery["status"] == "submitted" and delivery["provider_reference"] == str(mail.id)
    assert delivery["price"] == "4.20"
    posts = [request for request in ar24.requests if request == ("POST", "/api/mail")]
    assert len(posts) == 1  # the restart found the mail by its ref_client and posted nothing
