"""Money: the one rounding rule and the one strict parser for amounts in euros.

Amounts are ``Decimal`` everywhere, never ``float``. Interest is computed unrounded (with the fixed
``INTEREST_CONTEXT``, so a result never depends on the caller's decimal context) and rounded half-up to the
cent only at the points each computation documents.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")

#: The standard rate of French VAT (CGI art. 278), for a provider's price quoted before tax.
STANDARD_VAT = Decimal("0.20")

#: Precision used for every unrounded interest computation: 34 significant digits (IEEE decimal128), far
#: beyond what a cent-rounded result can notice; intermediate quotients round half-even at that precision.
INTEREST_CONTEXT = Context(prec=34, rounding=ROUND_HALF_EVEN)

#: Digits, optionally a point and one or two decimals. ASCII digits only (``\\d`` would accept other scripts).
_AMOUNT_PATTERN = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,2})?")


def quantize_cents(amount: Decimal) -> Decimal:
    """Round ``amount`` to the cent, half-up (0.005 → 0.01), the rounding of LEGAL.md Part A §1.

    Commercial practice for the L441-10 décompte (C. com. L441-10) rounds the penalty to the cent; half-up
    is the rounding the worked examples of LEGAL.md Part B §2 use.
    """
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(text: str) -> Decimal:
    """Parse an amount in euros written as ``"1234"``, ``"1234.5"`` or ``"1234.56"``.

    Strict on purpose (ARCHITECTURE.md invariant 1, amounts travel as strings): ASCII digits, at most 15
    before the point and 2 after it; no sign, exponent, thousands separator, comma, whitespace, NaN or
    infinity. Raises ``ValueError`` with a message a person can act on.
    """
    if not isinstance(text, str):
        raise ValueError(f"an amount must be a string like '1234.56', not {type(text).__name__}")
    if _AMOUNT_PATTERN.fullmatch(text) is None:
        raise ValueError(f"{text!r} is not an amount: write digits with at most 2 decimals and a point, e.g. '1234.56'")
    return Decimal(text)


def has_cents_precision(amount: Decimal) -> bool:
    """True when ``amount`` is finite and carries no more than two decimals (a payable sum in euros)."""
    return amount.is_finite() and amount == amount.quantize(CENT, rounding=ROUND_HALF_UP)
