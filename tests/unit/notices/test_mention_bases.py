"""The legal bases the letters' mentions cite (issue 12, finding 13): payment of a sum of money is made at the
creditor's domicile (C. civ. 1343-4; 1342-6 is the rule for other obligations, at the debtor's); CPC 669–670
govern procedural notifications, not a mise en demeure (Cass. 1re civ. 20 janv. 2021, n° 19-20.680, LEGAL.md
§4.2); CPC 1407 governs the requête en injonction de payer, not the letters sent before it."""

from __future__ import annotations

import re

import pytest

from notice_service.letter_catalogue import KINDS, mentions_for
from notice_service.use_cases.notices.letter_context import case_mentions

WRONG = {
    "C. civ. 1342-6 for a sum of money": re.compile(r"1342-6"),
    "CPC 669-670 for a letter": re.compile(r"669"),
    "CPC 1407 for a letter": re.compile(r"1407"),
}
LETTER = {
    "invoices": [{"number": "F-1", "due_date": "2026-03-31", "balance": "100.00"}],
    "earlier_letters": [{"id": "n-1", "title": "Relance de paiement", "date": "2026-04-01"}],
    "payment": {"iban": "FR7630006000011234567890189"},
    "installments": [{"number": 1, "due_date": "2026-12-15", "amount": "100.00"}],
}


def wrong_bases(bases: list[str]) -> list[tuple[str, str]]:
    return [(rule, basis) for basis in bases for rule, pattern in WRONG.items() if pattern.search(basis)]


@pytest.mark.parametrize("kind,variant", [(k, v) for k, variants in KINDS.items() for v in variants])
def test_no_letter_mention_cites_a_rule_that_does_not_govern_it(kind: str, variant: str) -> None:
    assert wrong_bases([m.legal_basis for m in mentions_for(kind, variant)]) == []


def test_the_payment_instructions_cite_the_creditors_domicile_rule() -> None:
    bases = {m.id: m.legal_basis for m in mentions_for("reminder", "b2b")}
    assert "1343-4" in bases["payment_instructions"]
    per_case = {m.id: m.legal_basis for m in case_mentions(LETTER)}
    assert "1343-4" in per_case["iban"]
    assert wrong_bases(list(per_case.values())) == []
