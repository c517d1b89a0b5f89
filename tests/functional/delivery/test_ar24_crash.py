"""kill -9 of a worker between AR24's answer and our commit, then a restart: one LRE, not two.

As ``test_worker_crash.py`` does for Merci Facteur: the worker is its own process
(``python -m notice_service.cli worker --once``, this checkout on ``PYTHONPATH``), killed (``os._exit``, no clean-up) by
``NOTICE_FAULT_POINT=after-provider-answer`` once AR24's twin accepted the mail. AR24 has no idempotency key of
its own (a second ``POST /mail`` is a second registered letter, and a second charge), so the restarted worker's
adapter asks ``GET /user/mail`` first, finds the mail whose ``ref_client`` is the delivery id, and records it
without posting again. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from notice_service.faults import FAULT_EXIT
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.delivery.providers import AR24, account
from tests.functional.delivery.test_ar24 import RECIPIENT
from tests.functional.delivery.test_worker_crash import run_worker
from tests.functional.notices.test_formal_notice_flow import open_case
from tests.twins.ar24 import Ar24Twin


@pytest.fixture
def ar24() -> Iterator[Ar24Twin]:
    with Ar24Twin().started() as started:  # on the real clock, as the worker processes are
        yield started


def test_a_worker_killed_after_ar24_answered_sends_one_lre(api: Api, services: Services, ar24: Ar24Twin) -> None:
    put = api.client.put("/v1/providers/ar24", json=account(AR24, ar24), headers=api.headers)
    assert put.status_code == 200, put.json
    ids = open_case(api)
    notice = api.post(
        f"/v1/cases/{ids['case_id']}/notices", {"kind": "formal_notice", "as_of": "2026-06-30", "issue": True}
    )
    assert notice.status_code == 201, notice.json
    body = {"channel": "electronic_registered", "provider": "ar24", "recipient_email": RECIPIENT}
    queued = api.post(f"/v1/notices/{notice.json['id']}/deliveries", body).json
    assert queued["status"] == "queued"

    for _ in range(5):  # on a shared PostgreSQL, a batch may first hold other tests' messages
        killed = run_worker(services, NOTICE_FAULT_POINT="after-provider-answer")
        if killed.returncode != 0:
            break
    assert killed.returncode == FAULT_EXIT, killed.stderr[-2000:]
    assert ar24.received() == 1  # AR24 took it ...
    assert api.get(f"/v1/deliveries/{queued['id']}").json["status"] == "queued"  # ... and we never recorded it

    time.sleep(1.5)  # the killed worker's lease runs out
    for _ in range(5):
        restarted = run_worker(services)
        assert restarted.returncode == 0, restarted.stderr[-2000:]
        delivery = api.get(f"/v1/deliveries/{queued['id']}").json
        if delivery["status"] != "queued":
            break
    [mail] = ar24.mails
    assert ar24.received() == 1 and ar24.received(queued["id"]) == 1  # one registered letter, never two
    assert delivery["status"] == "submitted" and delivery["provider_reference"] == str(mail.id)
    assert delivery["price"] == "4.20"
    posts = [request for request in ar24.requests if request == ("POST", "/api/mail")]
    assert len(posts) == 1  # the restart found the mail by its ref_client and posted nothing
