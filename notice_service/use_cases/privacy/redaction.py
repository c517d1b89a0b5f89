"""Free text from elsewhere (a provider's error) on its way into the audit log: phone numbers masked.

The audit log is immutable and holds no personal data (README "Personal data (RGPD)"); a provider's refusal may
echo the number it refused ("Invalid phone number +33612345678"), so what is audited of it has every run of
digits long enough to be a phone number (8 or more, spaces, dots and dashes between them allowed, a leading
``+``) replaced with ``[number]``. Shorter runs (HTTP statuses, counts, codes) stay.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"\+?\d(?:[ .\-]?\d){7,}")


def mask_phone_numbers(text: str) -> str:
    return _NUMBER.sub("[number]", text)
