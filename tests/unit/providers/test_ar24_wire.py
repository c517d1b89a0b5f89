"""AR24's request signature and answer encryption (``adapters/postal/ar24_wire.py``).

The signature vector is the example of AR24's API documentation ("Getting started": private key
``7X9gx9E3Qx4EiUdB63nc``, date ``2021-05-26 14:00:00``), as public AR24 clients test it too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from notice_service.adapters.postal.ar24_wire import (
    decrypt,
    encrypt,
    paris_stamp,
    parse_stamp,
    response_key,
    sign,
    signed_date,
)

DOC_KEY = "7X9gx9E3Qx4EiUdB63nc"
DOC_DATE = "2021-05-26 14:00:00"


def test_the_signature_is_the_documented_example() -> None:
    assert sign(DOC_DATE, DOC_KEY) == "bDop0cbjKpkySlpvnNGvBMg7PuYFFgPPqTTS2RAHoY0="
    assert signed_date(sign(DOC_DATE, DOC_KEY), DOC_KEY) == DOC_DATE
    assert signed_date(sign(DOC_DATE, DOC_KEY), "another-key") != DOC_DATE


def test_an_answer_opens_only_with_its_date_and_key() -> None:
    sealed = encrypt(b'{"status": "SUCCESS"}', *response_key(DOC_DATE, DOC_KEY))
    assert decrypt(sealed, *response_key(DOC_DATE, DOC_KEY)) == b'{"status": "SUCCESS"}'
    assert decrypt(sealed, *response_key("2021-05-26 14:00:01", DOC_KEY)) != b'{"status": "SUCCESS"}'
    assert decrypt("not base64 at all", *response_key(DOC_DATE, DOC_KEY)) is None


def test_dates_are_paris_wall_clock() -> None:
    winter = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    assert paris_stamp(winter) == "2026-12-01 14:00:00"
    assert parse_stamp("2026-12-01 14:00:00") == winter
    assert parse_stamp("01/12/2026") is None and parse_stamp(None) is None
