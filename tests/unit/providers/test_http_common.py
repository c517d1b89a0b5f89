"""What the postal adapters read the same way (``adapters/postal/http_common.py``): Retry-After, prices, JSON."""

from __future__ import annotations

from decimal import Decimal

import pytest

from notice_service.adapters.postal.http_common import json_object, price, raw_json, retry_after_seconds


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("30", 30.0),
        ("0.5", 0.5),
        ("0", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("inf", None),
        ("nan", None),
        ("-5", None),
        ("1e20", 86_400.0),
    ],
)
def test_retry_after_is_a_finite_non_negative_delay_of_at_most_a_day(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header) == seconds


@pytest.mark.parametrize(
    ("value", "factor", "amount"),
    [
        (Decimal("7.45"), Decimal(1), Decimal("7.45")),
        ("7.85", Decimal(1), Decimal("7.85")),
        (5, Decimal(1), Decimal("5.00")),
        (Decimal("6.21"), Decimal("1.20"), Decimal("7.45")),
        (Decimal("0.125"), Decimal(1), Decimal("0.13")),
        (None, Decimal(1), None),
        (True, Decimal(1), None),
        ("seven", Decimal(1), None),
        ("NaN", Decimal(1), None),
        ("Infinity", Decimal(1), None),
        ("-1.00", Decimal(1), None),
    ],
)
def test_a_price_is_a_finite_non_negative_amount_to_the_cent_half_up(
    value: object, factor: Decimal, amount: Decimal | None
) -> None:
    assert price(value, factor) == amount


def test_json_numbers_are_decimals_and_the_evidence_keeps_their_digits() -> None:
    body = json_object(b'{"postage_price": 7.45, "count": 2, "nested": {"total": 0.1}}')
    assert body == {"postage_price": Decimal("7.45"), "count": 2, "nested": {"total": Decimal("0.1")}}
    assert isinstance(body["postage_price"], Decimal) and isinstance(body["count"], int)
    assert json_object(b"[1, 2]") is None and json_object(b"<html>") is None and json_object(None) is None
    assert raw_json(body) == b'{"count": 2, "nested": {"total": "0.1"}, "postage_price": "7.45"}'
