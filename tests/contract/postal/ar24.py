"""AR24 (qualified LRE): ``Ar24Provider`` against ``tests/twins/ar24.py``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from notice_service.adapters.postal.ar24 import Ar24Provider
from notice_service.domain.delivery.provider_events import AR24_STATUSES
from notice_service.ports import PostalAddress, ServiceLevel, Submission
from tests.contract.postal import Pair, Running, StepControl
from tests.twins.ar24 import PRIVATE_KEY, TOKEN, USER_ID, Ar24Twin

#: The suite's neutral steps → AR24's: an LRE is notified at its deposit, so "first presented" is the deposit;
#: an unclaimed LRE is a negligence, a returned one a bounced notification.
STEPS = {"deposited": "ev", "first_presented": "ev", "delivered": "AR", "unclaimed": "ng", "returned": "bc"}
RECIPIENT_EMAIL = "compta@boulangerie-martin.example"


@contextmanager
def start() -> Iterator[Running]:
    twin = Ar24Twin().start()
    try:
        provider = Ar24Provider(twin.base_url, TOKEN, PRIVATE_KEY, USER_ID, timeout=5.0)
        wrong = Ar24Provider(twin.base_url, TOKEN, "not-the-private-key", USER_ID, timeout=5.0)
        yield Running(provider, StepControl(twin, STEPS), wrong)
    finally:
        twin.close()


def _electronic(submission: Submission) -> Submission:
    recipient = replace(submission.recipient, email=RECIPIENT_EMAIL)
    return replace(submission, level=ServiceLevel.ELECTRONIC_REGISTERED, recipient=recipient)


_NAMED = PostalAddress(("Boulangerie Martin SARL",), "75019", "Paris")
PAIR = Pair(
    "ar24",
    start,
    lambda status: AR24_STATUSES[status].value,
    adapt=_electronic,
    tracked=False,
    paper_addresses=False,
    bad_recipients=(
        (_NAMED, "invalid-request", "recipient.email"),
        (replace(_NAMED, email="not-an-address"), "invalid-request", "recipient.email"),
        (replace(_NAMED, lines=(" ",), email=RECIPIENT_EMAIL), "invalid-request", "recipient.lines"),
    ),
    presented=frozenset({"deposited"}),
    cancellable_after_submit=False,
    quotes=False,
)
