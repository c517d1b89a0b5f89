"""Rules of the SMS step: E.164 mobile numbers, GSM 7-bit vs UCS-2 segments, and the hours a consumer may be
texted.

Segments (3GPP TS 23.038 alphabet, TS 23.040 concatenation): a text of GSM 7-bit characters only takes 160
septets in one SMS, 153 per segment when split (the concatenation header takes 7); a character of the
extension table (``^{}\\[~]|€`` and form feed) takes two septets. Any other character makes the whole text
UCS-2: 70 UTF-16 code units in one SMS, 67 per segment when split (a character outside the BMP, such as an
emoji, takes two). Texts are bounded to ``MAX_SEGMENTS`` segments.

Hours (README "SMS"): a consumer is texted only on a working day (Monday to Friday, not a public holiday at
the debtor's address, as ``domain.deadlines`` counts them) between 08:00 and 20:00 Europe/Paris; a business has
no such window. ``../shared/LEGAL.md`` has no rule on the hours at which a debtor may be contacted (its §4.3 and
Part A §8 say what a working day and a public holiday are, which this applies): the window is the issue's,
a house rule on the cautious side, not a statute.
"""

from __future__ import annotations

import math
import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from notice_service.domain.deadlines import PARIS

MAX_SEGMENTS = 3
FIRST_HOUR = time(8, 0)
LAST_HOUR = time(20, 0)  # the window ends at 20:00: 19:59 is inside, 20:00 is not

_GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = "^{}\\[~]|€\f"
_GSM_BASIC_SET = frozenset(_GSM_BASIC)
_GSM_EXTENSION_SET = frozenset(_GSM_EXTENSION)
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")


@dataclass(frozen=True)
class SmsLength:
    """How a text is encoded and how many segments it takes."""

    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int

    @property
    def unicode(self) -> bool:
        return self.encoding == "UCS-2"


def sms_length(text: str) -> SmsLength:
    """The encoding, size and number of segments of ``text`` (see the module docstring)."""
    if all(ch in _GSM_BASIC_SET or ch in _GSM_EXTENSION_SET for ch in text):
        septets = sum(2 if ch in _GSM_EXTENSION_SET else 1 for ch in text)
        return SmsLength("GSM-7", septets, 1 if septets <= 160 else math.ceil(septets / 153))
    units = len(text.encode("utf-16-le")) // 2
    return SmsLength("UCS-2", units, 1 if units <= 70 else math.ceil(units / 67))


def text_problem(text: str) -> str | None:
    """What is wrong with an SMS text, or None: empty, or longer than ``MAX_SEGMENTS`` segments."""
    if not text.strip():
        return "the text is empty: write the message to send"
    length = sms_length(text)
    if length.segments > MAX_SEGMENTS:
        limit = 153 * MAX_SEGMENTS if length.encoding == "GSM-7" else 67 * MAX_SEGMENTS
        return (
            f"the text takes {length.segments} SMS segments ({length.units} {length.encoding} units); at most "
            f"{MAX_SEGMENTS} ({limit} units) are sent: shorten it"
        )
    return None


def phone_problem(phone: str) -> str | None:
    """What is wrong with a mobile number, or None: E.164 (``+`` country code and number, up to 15 digits, no
    spaces); a French number (+33) has 9 digits after the country code and is a mobile (06 or 07)."""
    if not _E164.match(phone):
        return "give the number in E.164 form: '+', the country code and the number, digits only (+33612345678)"
    if phone.startswith("+33") and not re.fullmatch(r"\+33[67][0-9]{8}", phone):
        return "a French mobile number is +33 followed by 9 digits starting with 6 or 7 (+33612345678)"
    return None


def consumer_window_opens(now: datetime, holidays_at_address: Container[date]) -> datetime | None:
    """None when a consumer may be texted at ``now``; else the next moment (aware, Europe/Paris) it may be."""
    local = now.astimezone(PARIS)
    if _working_day(local.date(), holidays_at_address) and FIRST_HOUR <= local.time() < LAST_HOUR:
        return None
    day = local.date()
    if not (_working_day(day, holidays_at_address) and local.time() < FIRST_HOUR):
        day += timedelta(days=1)
        while not _working_day(day, holidays_at_address):
            day += timedelta(days=1)
    return datetime.combine(day, FIRST_HOUR, tzinfo=PARIS)


def _working_day(day: date, holidays_at_address: Container[date]) -> bool:
    return day.weekday() < 5 and day not in holidays_at_address
