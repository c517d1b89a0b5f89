"""Amounts in French words for the acknowledgement of a payment plan (C. civ. 1376; issue 12 finding 9)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from notice_service.domain.french_words import amount_fr, number_fr


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zéro"),
        (16, "seize"),
        (17, "dix-sept"),
        (21, "vingt et un"),
        (71, "soixante et onze"),
        (77, "soixante-dix-sept"),
        (80, "quatre-vingts"),
        (81, "quatre-vingt-un"),
        (91, "quatre-vingt-onze"),
        (100, "cent"),
        (180, "cent quatre-vingts"),
        (200, "deux cents"),
        (201, "deux cent un"),
        (1000, "mille"),
        (80_000, "quatre-vingt mille"),
        (200_000, "deux cent mille"),
        (200_000_000, "deux cents millions"),
        (1_234_567, "un million deux cent trente-quatre mille cinq cent soixante-sept"),
        (3_000_000_001, "trois milliards un"),
    ],
)
def test_numbers_follow_traditional_spelling(n: int, words: str) -> None:
    assert number_fr(n) == words


def test_amounts_in_euros_and_centimes() -> None:
    assert amount_fr(Decimal("1234.56")) == "mille deux cent trente-quatre euros et cinquante-six centimes"
    assert amount_fr(Decimal("1.01")) == "un euro et un centime"
    assert amount_fr(Decimal("2000000.00")) == "deux millions d’euros"
    assert amount_fr(Decimal("0.50")) == "cinquante centimes"
    assert amount_fr(Decimal("80.00")) == "quatre-vingts euros"


@pytest.mark.parametrize("n", [-1, 10**12])
def test_out_of_range_is_refused(n: int) -> None:
    with pytest.raises(ValueError, match="covers"):
        number_fr(n)
