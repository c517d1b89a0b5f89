"""Postal tracking numbers (LEGAL.md Part B §7.3): UPU S10 international numbers with their check digit,
and the domestic La Poste format.

S10: two service letters, eight serial digits, one check digit, the ISO country code (``RR123456785FR``);
the check digit weighs the serial digits 8,6,4,2,3,5,9,7, then C = 11 − (S mod 11), 10 → 0, 11 → 5.
Domestic recommandé numbers have no published check digit; La Poste's API accepts 11 to 15 letters and
digits, which is what we accept (uppercased, spaces removed).
"""

from __future__ import annotations

import re

from notice_service.errors import FieldError, InvalidInput

_S10 = re.compile(r"^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$")
_DOMESTIC = re.compile(r"^[A-Z0-9]{11,15}$")
_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_digit(serial: str) -> int:
    """The UPU S10 check digit of an 8-digit serial number."""
    if len(serial) != 8 or not serial.isdigit():
        raise ValueError("an S10 serial number has 8 digits")
    remainder = sum(int(digit) * weight for digit, weight in zip(serial, _WEIGHTS, strict=True)) % 11
    check = 11 - remainder
    return {10: 0, 11: 5}.get(check, check)


def normalise_tracking_number(raw: str) -> str:
    """``raw`` uppercased without spaces, validated: S10 (check digit verified) or domestic 11–15 alphanumerics.

    Raises ``InvalidInput`` naming ``tracking_number``.
    """
    number = re.sub(r"[\s-]", "", raw).upper()
    s10 = _S10.match(number)
    if s10:
        expected = s10_check_digit(s10.group(2))
        if int(s10.group(3)) != expected:
            raise _invalid(f"the S10 check digit of {number} should be {expected}: check the number on the receipt")
        return number
    if _DOMESTIC.match(number):
        return number
    raise _invalid(
        "a tracking number is either international UPU S10 (e.g. RR123456785FR) or a domestic La Poste number "
        "of 11 to 15 letters and digits (e.g. 1A12345678901)"
    )


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(f"Invalid tracking number: {message}.", errors=[FieldError("tracking_number", message)])
