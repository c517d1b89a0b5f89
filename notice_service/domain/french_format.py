"""How amounts, dates and rates are printed in French letters (``1 234,56 €``, ``1er août 2026``), and the
French typography applied to every rendered French document.

One module so the letter templates and the completeness check print and expect exactly the same strings.

Typography (Imprimerie nationale, *Lexique des règles typographiques*): a narrow no-break space (U+202F)
before ``:`` ``;`` ``?`` ``!`` ``%`` and ``»``, after ``«``; a no-break space (U+00A0) between an amount and
``€``; the first day of a month is written ``1er``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
_BEFORE_PUNCTUATION = re.compile(r"[ \u00a0\u202f]*([:;?!%»])")
_AFTER_GUILLEMET = re.compile(r"«[ \u00a0\u202f]*")
_AMOUNT_EURO = re.compile(r"(\d)[ \u202f]+€")
_MARKUP = re.compile(r"(<[^>]*>)")
_RAW_ELEMENTS = re.compile(r"<(style|script)\b", re.IGNORECASE)


def money_fr(amount: Decimal) -> str:
    """``1 234,56 €`` (narrow no-break space between thousands, no-break space before the sign)."""
    return str(format_currency(amount, "EUR", locale="fr_FR"))


def date_fr(day: date) -> str:
    """``22 novembre 2026``; the first of a month is ``1er août 2026``."""
    text = str(format_date(day, format="long", locale="fr_FR"))
    return f"1er{text[1:]}" if day.day == 1 else text


def percent_fr(rate: Decimal) -> str:
    """``12,15 %`` with a narrow no-break space before the sign."""
    return f"{format_decimal(rate, format='0.00', locale='fr_FR')}{NARROW_NBSP}%"


def typography_fr(text: str) -> str:
    """French spacing in a run of plain text (no markup): see the module docstring."""
    text = _AMOUNT_EURO.sub(lambda m: f"{m.group(1)}{NBSP}€", text)
    text = _AFTER_GUILLEMET.sub(f"«{NARROW_NBSP}", text)
    return _BEFORE_PUNCTUATION.sub(lambda m: _spaced(text, m), text)


def _spaced(text: str, match: re.Match[str]) -> str:
    """A sign after a space gets a narrow no-break space instead; ``12%`` gets one too; a sign glued to a
    word (``https:``, ``09:30``, ``&amp;``) is left alone."""
    sign, start = match.group(1), match.start()
    after_space = match.end() - start > 1
    after_digit = sign == "%" and start > 0 and text[start - 1].isdigit()
    return f"{NARROW_NBSP}{sign}" if after_space or after_digit else sign


def typography_html(html: str) -> str:
    """:func:`typography_fr` on the text between tags of an HTML document; tags, attributes and the contents
    of ``<style>`` and ``<script>`` are left as they are."""
    parts = _MARKUP.split(html)
    raw = False
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            if _RAW_ELEMENTS.match(part):
                raw = True
            elif part.lower().startswith(("</style", "</script")):
                raw = False
        elif not raw:
            parts[index] = typography_fr(part)
    return "".join(parts)
