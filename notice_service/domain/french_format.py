"""How amounts, dates and rates are printed in French letters (``1 234,56 €``, ``22 novembre 2026``).

One module so the letter templates and the completeness check print and expect exactly the same strings.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal


def money_fr(amount: Decimal) -> str:
    return str(format_currency(amount, "EUR", locale="fr_FR"))


def date_fr(day: date) -> str:
    return str(format_date(day, format="long", locale="fr_FR"))


def percent_fr(rate: Decimal) -> str:
    return f"{format_decimal(rate, format='0.00', locale='fr_FR')} %"
