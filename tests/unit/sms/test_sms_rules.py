"""``domain/sms.py``: segments (GSM 7-bit, its extension table, UCS-2 and characters outside the BMP), E.164
numbers, and the next moment a consumer may be texted."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from notice_service.domain.deadlines import public_holidays
from notice_service.domain.sms import consumer_window_opens, phone_problem, sms_length, text_problem


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),  # split: 153 a segment
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("é" * 160, "GSM-7", 160, 1),  # é, è, à, ù, ì, ò, Ç are in the basic alphabet
        ("€" * 80, "GSM-7", 160, 1),  # € is in the extension table: two septets
        ("€" * 81, "GSM-7", 162, 2),
        ("ê", "UCS-2", 1, 1),  # ê, â, ô, î, ç are not: UCS-2
        ("ç" * 70, "UCS-2", 70, 1),
        ("ç" * 71, "UCS-2", 71, 2),  # split: 67 a segment
        ("😀" * 35, "UCS-2", 70, 1),  # outside the BMP: two UTF-16 units each
        ("😀" * 36, "UCS-2", 72, 2),
    ],
)
def test_lengths(text: str, encoding: str, units: int, segments: int) -> None:
    found = sms_length(text)
    assert (found.encoding, found.units, found.segments) == (encoding, units, segments)


def test_text_bounds() -> None:
    assert text_problem("a" * 459) is None  # 3 × 153
    assert "4 SMS segments" in (text_problem("a" * 460) or "")
    assert text_problem("ç" * 201) is None  # 3 × 67
    assert text_problem("ç" * 202) is not None
    assert "empty" in (text_problem(" \n ") or "")


@pytest.mark.parametrize(
    ("phone", "ok"),
    [
        ("+33612345678", True),
        ("+33712345678", True),
        ("+447911123456", True),
        ("+33112345678", False),  # a French landline
        ("+336123456789", False),  # one digit too many for France
        ("0612345678", False),
        ("+0612345678", False),
        ("+33 612345678", False),
        ("+1234567890123456", False),  # 16 digits
    ],
)
def test_numbers(phone: str, ok: bool) -> None:
    assert (phone_problem(phone) is None) is ok


def test_the_window_after_a_long_weekend_in_alsace() -> None:
    calendar = public_holidays("67000", "FR", range(2026, 2028))
    # Thursday 24 December 2026, 21:00 in Paris: Christmas (Friday), 26 December (a holiday in Alsace, and a
    # Saturday), Sunday: Monday 28 December at 08:00.
    opens = consumer_window_opens(datetime(2026, 12, 24, 20, 0, tzinfo=UTC), calendar)
    assert opens is not None and opens.isoformat() == "2026-12-28T08:00:00+01:00"
    assert date(2026, 12, 26) in calendar
    assert consumer_window_opens(datetime(2026, 12, 28, 7, 0, tzinfo=UTC), calendar) is None
