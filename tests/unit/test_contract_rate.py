"""The CGV penalty rate (issue 12 finding 4, issue 11): "3x_legal" and fixed rates in the engine, per invoice or
per statement, the L441-10 II floor at entry, and the French wording of each basis and period formula."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from notice_service.domain.contract_rate import clause_problem, floor_problem, parse_term, term_json
from notice_service.domain.french_format import date_fr, percent_fr
from notice_service.domain.interest import (
    THREE_TIMES_LEGAL,
    ContractualRate,
    DayCount,
    DebtorKind,
    LegalInterestRate,
    StatutoryRate,
    ThreeTimesLegalRate,
    late_payment_interest,
    rate_basis,
)
from notice_service.domain.rate_wording import (
    basis_code,
    basis_wording,
    day_count_fr,
    imputation_fr,
    period_formula,
    semester_fr,
)
from notice_service.domain.rates import HalfYear, half_years_between, legal_rate
from notice_service.domain.statement import Invoice, StatementTerms, build_statement
from notice_service.errors import InvalidInput
from notice_service.rate_data import load_rate_tables

TABLES = load_rate_tables()
D = Decimal
S1_2025, S2_2025 = HalfYear(2025, 1), HalfYear(2025, 2)
INVOICE = Invoice("a", "F-1", date(2025, 4, 1), date(2025, 5, 31), D("10000.00"))


def test_three_times_legal_applies_three_times_each_half_years_taux_legal() -> None:
    result = late_payment_interest(
        INVOICE.amount, INVOICE.due_date, date(2025, 8, 31), tables=TABLES, contractual_rate=THREE_TIMES_LEGAL
    )
    rates = [period.rate for period in result.periods]
    assert rates == [3 * legal_rate(TABLES, S1_2025), 3 * legal_rate(TABLES, S2_2025)]
    assert [period.days for period in result.periods] == [30, 62]
    expected = sum((D("10000") * rate / 100 * days / 365 for rate, days in zip(rates, (30, 62), strict=True)), D(0))
    assert result.total == expected.quantize(D("0.01"))


def test_an_invoice_rate_overrides_the_statement_rate_and_each_line_names_its_basis() -> None:
    own = Invoice("b", "F-2", date(2025, 4, 1), date(2025, 5, 31), D("500.00"), contractual_rate=D("15"))
    terms = StatementTerms(DebtorKind.BUSINESS, date(2025, 8, 31), contractual_rate=THREE_TIMES_LEGAL)
    result = build_statement([INVOICE, own], [], terms=terms, tables=TABLES)
    first, second = result.lines
    assert first.basis == ThreeTimesLegalRate()
    assert [p.rate for p in first.periods] == [D("11.13"), D("8.28")]
    assert second.basis == ContractualRate(D("15"))
    assert {p.rate for p in second.periods} == {D("15")}
    plain = build_statement([INVOICE], [], terms=StatementTerms(DebtorKind.BUSINESS, date(2025, 8, 31)), tables=TABLES)
    assert plain.lines[0].basis == StatutoryRate()


def test_a_consumer_invoice_with_a_contractual_rate_is_refused() -> None:
    own = Invoice("c", "F-3", date(2025, 4, 1), date(2025, 5, 31), D("500.00"), contractual_rate=THREE_TIMES_LEGAL)
    terms = StatementTerms(DebtorKind.CONSUMER, date(2025, 8, 31), notice_received_on=date(2025, 6, 10))
    with pytest.raises(InvalidInput) as caught:
        build_statement([own], [], terms=terms, tables=TABLES)
    assert caught.value.errors[0].field == "contractual_rate"


def test_a_fixed_rate_under_a_later_floor_is_refused_by_the_engine() -> None:
    """10 % is above the 2025-S2 floor (8.28 %) but under 2024-S2's (14.76 %)."""
    late = Invoice("d", "F-4", date(2024, 6, 1), date(2024, 6, 30), D("100.00"), contractual_rate=D("10"))
    with pytest.raises(InvalidInput, match=r"14\.76"):
        build_statement([late], [], terms=StatementTerms(DebtorKind.BUSINESS, date(2024, 8, 1)), tables=TABLES)


@pytest.mark.parametrize(
    ("value", "term"),
    [("3x_legal", THREE_TIMES_LEGAL), ("12.5", D("12.5")), (12, D("12")), (12.5, D("12.5")), (" 9 ", D("9"))],
)
def test_terms_are_parsed(value: object, term: object) -> None:
    assert parse_term(value) == term
    assert parse_term(term_json(parse_term(value))) == term


@pytest.mark.parametrize(
    "value", ["", "abc", "3xlegal", "-1", "0", "101", "NaN", "Infinity", "1.23456", True, None, []]
)
def test_bad_terms_say_what_to_write(value: object) -> None:
    with pytest.raises(ValueError, match="percentage"):
        parse_term(value)


def test_the_floor_is_checked_on_the_known_half_years_only() -> None:
    half_years = half_years_between(date(2024, 7, 1), date(2027, 1, 31))
    problem = floor_problem(TABLES, D("10"), half_years)
    assert problem is not None and "14.76" in problem and "2024-S2" in problem
    assert floor_problem(TABLES, D("14.76"), half_years) is None
    assert floor_problem(TABLES, THREE_TIMES_LEGAL, half_years) is None
    assert floor_problem(TABLES, D("1"), [HalfYear(2030, 1)]) is None


def test_clause_text_is_required_and_bounded() -> None:
    assert clause_problem("Article 8 des CGV : pénalités au taux de 12 %.") is None
    assert clause_problem("   ") is not None
    assert clause_problem("x" * 2001) is not None
    assert clause_problem(12) is not None


def test_each_basis_is_worded_in_french_with_its_article() -> None:
    assert basis_code(ThreeTimesLegalRate()) == "three_times_legal"
    assert "trois fois le taux d’intérêt légal" in basis_wording(ThreeTimesLegalRate())
    assert percent_fr(D("12.5")) in basis_wording(ContractualRate(D("12.5")))
    assert "majoré de 10 points" in basis_wording(StatutoryRate())
    assert "1231-6" in basis_wording(LegalInterestRate())
    for basis in (StatutoryRate(), ContractualRate(D("12.5")), ThreeTimesLegalRate(), LegalInterestRate()):
        assert "L441-10" in basis_wording(basis) or basis_code(basis) == "legal"


def test_period_formulas_name_the_figures_they_are_made_from() -> None:
    statutory = period_formula(StatutoryRate(), HalfYear(2026, 1), TABLES)
    assert statutory == f"taux BCE au {date_fr(date(2026, 1, 1))} ({percent_fr(D('2.15'))}) majoré de 10 points"
    three = period_formula(ThreeTimesLegalRate(), HalfYear(2026, 1), TABLES)
    assert three == f"3 × taux d’intérêt légal, 1er semestre 2026, créancier professionnel ({percent_fr(D('2.62'))})"
    legal = period_formula(LegalInterestRate(False), S2_2025, TABLES)
    assert legal == f"taux d’intérêt légal, 2e semestre 2025, créancier particulier ({percent_fr(D('6.65'))})"
    assert period_formula(ContractualRate(D("15")), S1_2025, TABLES).endswith(f"({percent_fr(D('15'))})")
    assert semester_fr(S1_2025) == "1er semestre 2025"


def test_day_count_and_imputation_are_words_not_codes() -> None:
    assert day_count_fr(DayCount.ACTUAL_365) == "base 365 jours"
    assert "366" in day_count_fr(DayCount.ACTUAL_ACTUAL)
    assert "1343-1" in imputation_fr(True)
    assert "principal, puis sur les intérêts" in imputation_fr(False)


def test_the_engine_refuses_a_term_that_is_neither_a_percentage_nor_3x_legal() -> None:
    with pytest.raises(InvalidInput) as caught:
        rate_basis(DebtorKind.BUSINESS, "douze")
    assert caught.value.errors[0].field == "contractual_rate"
    assert rate_basis(DebtorKind.BUSINESS, THREE_TIMES_LEGAL) == ThreeTimesLegalRate()
