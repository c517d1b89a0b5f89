"""Maileva: ``MailevaProvider`` against ``tests/twins/maileva.py``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from notice_service.adapters.postal.maileva import MailevaProvider
from notice_service.domain.delivery.maileva_statuses import MAILEVA_STATUSES
from tests.contract.postal import Pair, Running, StepControl
from tests.twins.maileva import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, MailevaTwin

STEPS = {
    "deposited": "LP01",
    "first_presented": "LP09",
    "delivered": "LP15",
    "unclaimed": "LP19",
    "returned": "LP17",
}
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC).timestamp()  # the twin's clock: before the suite's T0


def provider(twin: MailevaTwin, password: str = PASSWORD) -> MailevaProvider:
    return MailevaProvider(twin.base_url, CLIENT_ID, CLIENT_SECRET, USERNAME, password, timeout=5.0)


@contextmanager
def start() -> Iterator[Running]:
    twin = MailevaTwin(now=lambda: NOW).start()
    try:
        yield Running(provider(twin), StepControl(twin, STEPS), provider(twin, "not-the-password"))
    finally:
        twin.close()


#: Maileva prints six lines (a name, four address lines, postal code and city), publishes no price estimate,
#: and cannot cancel a submitted sending (only a draft).
PAIR = Pair(
    "maileva",
    start,
    lambda status: MAILEVA_STATUSES[status].value,
    max_lines=5,
    cancellable_after_submit=False,
    quotes=False,
)
