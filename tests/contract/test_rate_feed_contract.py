"""Contract of the ``RateFeed`` port, run against ``HttpRateFeed`` and a local server (127.0.0.1).

A feed answers the whole UTF-8 body of a 2xx answer, sends the caller's headers, and raises
``RateSourceFailed`` naming the URL for every other outcome: an error status, no server, a body too large
or not UTF-8.
"""

from __future__ import annotations

import pytest

from notice_service.adapters.http_rate_feed import HttpRateFeed
from notice_service.errors import RateSourceFailed
from notice_service.ports import RateFeed
from tests.functional.rates.replay import ReplayServer, replay

__all__ = ["replay"]


@pytest.fixture(params=["http"])
def feed(request: pytest.FixtureRequest) -> RateFeed:
    """Each implementation of the port (one: the real HTTP adapter, with a small size limit)."""
    return HttpRateFeed(connect_timeout=2.0, read_timeout=5.0, max_bytes=64 * 1024)


def test_answers_the_body_and_sends_the_headers(feed: RateFeed, replay: ReplayServer) -> None:
    replay.routes["/ok"] = (200, "taux légal 2,62 %".encode())
    assert feed.fetch(f"{replay.url}/ok", {"authorization": "Apikey k"}) == "taux légal 2,62 %"
    assert replay.requests[-1]["authorization"] == "Apikey k"


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (503, b"down", "HTTP 503"),
        (404, b"", "HTTP 404"),
        (301, b"", "HTTP 301"),
        (200, b"x" * (65 * 1024), "exceeds"),
        (200, "é".encode("latin-1"), "not UTF-8"),
    ],
)
def test_refuses_every_other_answer(
    feed: RateFeed, replay: ReplayServer, status: int, body: bytes, reason: str
) -> None:
    replay.routes["/bad"] = (status, body)
    with pytest.raises(RateSourceFailed) as refused:
        feed.fetch(f"{replay.url}/bad")
    assert reason in refused.value.detail and f"{replay.url}/bad" in refused.value.detail


def test_refuses_a_source_that_cannot_be_reached(feed: RateFeed) -> None:
    with pytest.raises(RateSourceFailed) as refused:
        feed.fetch("http://127.0.0.1:9/none")
    assert "could not be reached" in refused.value.detail
