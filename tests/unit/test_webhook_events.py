"""Outbound webhook rules: the retry schedule and which target URLs are acceptable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notice_service.domain.webhook_events import EventType, envelope, next_attempt_at, target_problem

START = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("attempt", "delay"),
    [
        (1, timedelta(seconds=5)),
        (2, timedelta(seconds=10)),
        (5, timedelta(seconds=80)),
        (14, timedelta(seconds=40960)),
        (15, timedelta(hours=12)),
    ],
)
def test_retries_back_off_exponentially_up_to_twelve_hours(attempt: int, delay: timedelta) -> None:
    assert next_attempt_at(START, attempt, START) == START + delay


def test_retries_stop_when_the_next_one_would_pass_three_days() -> None:
    late = START + timedelta(days=2, hours=13)
    assert next_attempt_at(START, 20, late) is None
    assert next_attempt_at(START, 20, START + timedelta(days=2, hours=12)) == START + timedelta(days=3)


@pytest.mark.parametrize(
    ("url", "allow_private", "refused"),
    [
        ("https://erp.example.com/hooks", False, False),
        ("http://93.184.215.14:8080/x", False, False),
        ("http://127.0.0.1:9000/x", True, False),
        ("http://127.0.0.1:9000/x", False, True),
        ("http://10.1.2.3/x", False, True),
        ("http://192.168.1.1/x", False, True),
        ("http://169.254.169.254/latest/meta-data", False, True),
        ("http://[::1]/x", False, True),
        ("http://[::ffff:127.0.0.1]/x", False, True),
        ("http://localhost/x", False, True),
        ("http://api.localhost/x", False, True),
        ("ftp://example.com/x", True, True),
        ("file:///etc/passwd", True, True),
        ("https://user:secret@example.com/x", True, True),
        ("https://example.com:99999/x", True, True),
        ("example.com/x", True, True),
    ],
)
def test_target_urls(url: str, allow_private: bool, refused: bool) -> None:
    assert (target_problem(url, allow_private) is not None) is refused


def test_the_envelope_follows_standard_webhooks() -> None:
    body = envelope(EventType.PAYMENT_RECORDED, START, {"amount": "10.00"})
    assert body == {"type": "payment.recorded", "timestamp": "2026-11-20T09:30:00+00:00", "data": {"amount": "10.00"}}
