"""Maileva: ``MailevaProvider`` against ``tests/twins/maileva.py``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from notice_service.adapters.postal.maileva import MailevaProvider
from notice_service.domain.delivery.maileva_statuses import MAILEVA_STATUSES
from tests.contract.postal import Pair, Running
from tests.twins.maileva import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, MailevaTwin

STEPS = {
    "deposited": "LP01",
    "first_presented": "LP09",
    "delivered": "LP15",
    "unclaimed": "LP19",
    "returned": "LP17",
}
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC).timestamp()  # the twin's clock: before the suite's T0


class Control:
    def __init__(self, twin: MailevaTwin) -> None:
        self.twin = twin

    def received(self, idempotency_key: str | None = None) -> int:
        return self.twin.received(idempotency_key)

    def fail_next(self, status: int, times: int = 1, retry_after: float | None = None) -> None:
        self.twin.fail_next(status, times, retry_after)

    def drop_after_accept(self) -> None:
        self.twin.drop_after_accept()

    def progress(self, provider_reference: str, step: str, at: datetime) -> None:
        self.twin.advance(provider_reference, STEPS[step], at)


def provider(twin: MailevaTwin, password: str = PASSWORD) -> MailevaProvider:
    return MailevaProvider(twin.base_url, CLIENT_ID, CLIENT_SECRET, USERNAME, password, timeout=5.0)


@contextmanager
def start() -> Iterator[Running]:
    twin = MailevaTwin(now=lambda: NOW).start()
    try:
        yield Running(provider(twin), Control(twin), provider(twin, "not-the-password"))
    finally:
        twin.close()


#: Maileva prints six lines (a name, four address lines, postal code and city), publishes no price estimate,
#: and cannot cancel a submitted sending (only a draft).
PAIR = Pair(
    "maileva",
    start,
    lambda status: MAILEVA_STATUSES[status].value,
    max_lines=5,
    supports=frozenset({"cancel"}),
    cancellable_after_submit=False,
)
