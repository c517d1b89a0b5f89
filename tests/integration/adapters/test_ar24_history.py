"""AR24's adapter against its twin with a long mail history: ``find`` (asked before every submission, AR24 having
no idempotency key) reads the newest mails back to ``RETRY_WINDOW`` and at most ``MAX_PAGES`` pages, not the whole
history; and a non-JSON answer that is not a 200 (a proxy's page) is a retryable outage, not a wrong private key.

The mails' dates are set relative to the real time, since the twin checks the request dates on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from notice_service.adapters.postal.ar24 import MAX_PAGES, PAGE, RETRY_WINDOW, Ar24Provider
from notice_service.adapters.postal.ar24_wire import paris_stamp
from notice_service.ports import ProviderError
from tests.twins.ar24 import PRIVATE_KEY, TOKEN, USER_ID, Ar24Twin, Mail


@pytest.fixture
def twin() -> Iterator[Ar24Twin]:
    started = Ar24Twin().start()
    yield started
    started.close()


def _history(twin: Ar24Twin, recent: int, old: int) -> None:
    """``old`` mails older than the window, then ``recent`` ones a minute apart (the newest last, as sent)."""
    now = datetime.now(UTC)
    ages = [RETRY_WINDOW + timedelta(days=1, hours=n) for n in range(old, 0, -1)]
    ages += [timedelta(minutes=n) for n in range(recent, 0, -1)]
    for number, age in enumerate(ages):
        fields = {"ref_client": f"key-{number}", "date": paris_stamp(now - age), "price_ht": 3.5}
        twin.mails.append(Mail(90_000 + number, fields))


def _listings(twin: Ar24Twin) -> int:
    return sum(1 for method, path in twin.requests if method == "GET" and path.rstrip("/").endswith("user/mail"))


def _provider(twin: Ar24Twin) -> Ar24Provider:
    return Ar24Provider(twin.base_url, TOKEN, PRIVATE_KEY, USER_ID, timeout=5.0)


def test_a_recent_mail_beyond_the_first_page_is_found(twin: Ar24Twin) -> None:
    _history(twin, recent=250, old=100)
    found = _provider(twin).find("key-200")  # the 150th newest: on the second page
    assert found is not None and found.provider_reference == "90200"
    assert _listings(twin) == 2


def test_an_unknown_key_stops_at_the_first_page_older_than_the_window(twin: Ar24Twin) -> None:
    _history(twin, recent=250, old=400)
    assert _provider(twin).find("never-sent") is None
    assert _listings(twin) == 3  # 0-99 and 100-199 are recent; 200-299 reaches back past the window


def test_a_long_recent_history_is_read_to_the_page_cap_only(twin: Ar24Twin) -> None:
    _history(twin, recent=PAGE * MAX_PAGES + 150, old=0)
    assert _provider(twin).find("never-sent") is None
    assert _listings(twin) == MAX_PAGES


def test_a_short_history_is_read_in_one_call(twin: Ar24Twin) -> None:
    _history(twin, recent=40, old=0)
    assert _provider(twin).find("key-3") is not None
    assert _provider(twin).find("never-sent") is None
    assert _listings(twin) == 2


@pytest.mark.parametrize("status", [403, 404, 401, 302])
def test_a_non_json_answer_that_is_not_a_200_is_a_retryable_outage(
    twin: Ar24Twin, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    original = requests.request

    def proxied(*args: object, **kwargs: object) -> requests.Response:
        response = original(*args, **kwargs)  # type: ignore[arg-type]
        response.status_code, response._content = status, b"<html><body>Forbidden by the proxy</body></html>"
        return response

    monkeypatch.setattr(requests, "request", proxied)  # a proxy in the way; the adapter is the real one
    with pytest.raises(ProviderError) as raised:
        _provider(twin).check()
    assert (raised.value.code, raised.value.retryable, raised.value.field_name) == ("unavailable", True, None)
    assert f"HTTP {status}" in raised.value.detail
