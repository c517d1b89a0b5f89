"""The arrêté (domain/arrete.py) and the décompte it stops (``StatementTerms.interest_until``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from notice_service.domain.arrete import (
    LAST_CONFIRMED,
    arrete_sentence,
    day_fr,
    interest_stop,
    last_confirmed_day,
    rate_words,
)
from notice_service.domain.interest import DebtorKind
from notice_service.domain.rates import EcbRateChange, LegalRate, with_added_rate
from notice_service.domain.statement import Invoice, Payment, StatementTerms, build_statement
from notice_service.errors import RateUnknown
from notice_service.rate_data import load_rate_tables

TABLES = load_rate_tables()
INVOICE = Invoice("i1", "F-1", date(2026, 3, 1), date(2026, 3, 31), Decimal("1234.56"))


def test_the_shipped_tables_are_confirmed_to_30_june_2026() -> None:
    assert TABLES.ecb_confirmed_until < date(2026, 7, 1)
    assert last_confirmed_day(TABLES) == date(2026, 6, 30)


def test_the_later_of_the_two_tables_does_not_extend_the_arrete() -> None:
    ecb_s2 = with_added_rate(TABLES, EcbRateChange(date(2026, 7, 1), Decimal("2.15"), "t"))
    assert last_confirmed_day(ecb_s2) == date(2026, 6, 30)  # the taux légal still stops at 2026-S1
    both = with_added_rate(ecb_s2, LegalRate(2026, 2, Decimal("6.5"), Decimal("2.5"), "t"))
    assert last_confirmed_day(both) == date(2026, 12, 31)
    annual = replace(TABLES, legal_rates=tuple(r for r in TABLES.legal_rates if r.half is None))
    assert last_confirmed_day(annual) == date(2014, 12, 31)


@pytest.mark.parametrize(
    ("as_of", "requested", "expected"),
    [
        (date(2026, 12, 1), LAST_CONFIRMED, date(2026, 6, 30)),
        (date(2026, 12, 1), None, None),
        (date(2026, 6, 30), LAST_CONFIRMED, None),
        (date(2026, 7, 1), LAST_CONFIRMED, date(2026, 6, 30)),
        (date(2026, 12, 1), "yesterday", None),
    ],
)
def test_interest_stop(as_of: date, requested: str | None, expected: date | None) -> None:
    assert interest_stop(TABLES, as_of, requested) == expected


def test_french_days_and_words() -> None:
    assert day_fr(date(2026, 7, 1)) == "1er juillet 2026"
    assert day_fr(date(2026, 6, 30)) == "30 juin 2026"
    assert "BCE majoré de 10 points" in rate_words(DebtorKind.BUSINESS, None)
    assert rate_words(DebtorKind.BUSINESS, Decimal("12")).startswith("taux contractuel de 12,00")
    assert rate_words(DebtorKind.CONSUMER, None) == "taux de l’intérêt légal"
    sentence = arrete_sentence(date(2026, 6, 30), DebtorKind.CONSUMER, None)
    assert sentence == (
        "Intérêts arrêtés au 30 juin 2026, outre les intérêts postérieurs au taux de l’intérêt légal "
        "à compter du 1er juillet 2026."
    )


def _terms(as_of: date, until: date | None) -> StatementTerms:
    return StatementTerms(debtor_kind=DebtorKind.BUSINESS, as_of=as_of, interest_until=until)


def test_an_arrete_decompte_carries_the_interest_of_its_last_day() -> None:
    with pytest.raises(RateUnknown):
        build_statement([INVOICE], [], terms=_terms(date(2026, 12, 1), None), tables=TABLES)
    stopped = build_statement([INVOICE], [], terms=_terms(date(2026, 12, 1), date(2026, 6, 30)), tables=TABLES)
    at_june = build_statement([INVOICE], [], terms=_terms(date(2026, 6, 30), None), tables=TABLES)
    assert stopped.interest == at_june.interest > 0
    assert stopped.lines[0].periods[-1].end == date(2026, 6, 30)
    assert stopped.as_of == date(2026, 12, 1)


def test_a_payment_after_the_arrete_is_still_imputed() -> None:
    payment = Payment(Decimal("100.00"), date(2026, 9, 15), "i1")
    stopped = build_statement([INVOICE], [payment], terms=_terms(date(2026, 12, 1), date(2026, 6, 30)), tables=TABLES)
    at_june = build_statement([INVOICE], [], terms=_terms(date(2026, 6, 30), None), tables=TABLES)
    assert stopped.paid == Decimal("100.00")
    assert stopped.interest == at_june.interest
    assert stopped.total == at_june.total - Decimal("100.00")
