"""The dossier's legal checks and exhibit numbering, as tables of cases (LEGAL.md §5–6)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from notice_service.domain.dossier.exhibits import ExhibitSource, number_exhibits, slugify
from notice_service.domain.dossier.legal import ClaimFacts, FormalNoticeFacts, OpenInvoice, check_claim, competent_court

TODAY = date(2026, 12, 20)


@pytest.mark.parametrize(
    ("business", "postal_code", "kind", "label_start"),
    [
        (True, "75019", "tribunal_de_commerce", "Président du tribunal de commerce"),
        (False, "75019", "tribunal_judiciaire", "Président du tribunal judiciaire"),
        (True, "67000", "tribunal_judiciaire", "Président du tribunal judiciaire (chambre commerciale)"),
    ],
)
def test_competent_court(business: bool, postal_code: str, kind: str, label_start: str) -> None:
    court = competent_court(business, postal_code, "Ville")
    assert court.kind == kind and court.label.startswith(label_start) and postal_code in court.seat


def _facts(**changes: object) -> ClaimFacts:
    base: dict[str, object] = {
        "today": TODAY,
        "business_debtor": True,
        "total": Decimal("1107.05"),
        "invoices": [OpenInvoice("F-1", Decimal("1034.56"), date(2031, 4, 15))],
        "formal_notices": [FormalNoticeFacts("n", date(2026, 11, 20), date(2026, 11, 24), True, date(2026, 12, 2))],
        "payment_dates": [date(2026, 4, 15)],
    }
    return ClaimFacts(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "warnings", "prescribed"),
    [
        ({}, [], []),
        ({"formal_notices": []}, ["no_formal_notice"], []),
        (
            {"formal_notices": [FormalNoticeFacts("n", date(2026, 12, 1), None, False, None)]},
            ["formal_notice_not_received"],
            [],
        ),
        (
            {
                "formal_notices": [
                    FormalNoticeFacts("n", date(2026, 12, 10), date(2026, 12, 12), False, date(2026, 12, 21))
                ]
            },
            ["deadline_not_passed"],
            [],
        ),
        ({"payment_dates": [date(2026, 11, 30)]}, ["payment_after_formal_notice"], []),
        ({"invoices": [OpenInvoice("F-1", Decimal("10.00"), date(2026, 12, 19))]}, [], ["F-1"]),
        ({"invoices": [OpenInvoice("F-1", Decimal("0.00"), date(2026, 12, 19))]}, [], []),
        ({"invoices": [OpenInvoice("F-1", Decimal("10.00"), TODAY)]}, [], []),
    ],
)
def test_pre_export_checks(changes: dict[str, object], warnings: list[str], prescribed: list[str]) -> None:
    outcome = check_claim(_facts(**changes))
    assert [w.code for w in outcome.warnings] == warnings
    assert [i.number for i in outcome.prescribed] == prescribed


@pytest.mark.parametrize(
    ("total", "business", "codes"),
    [
        (Decimal("5000.00"), True, ["petites_creances_open", "b2b", "prescription_not_interrupted"]),
        (Decimal("5000.01"), True, ["b2b", "prescription_not_interrupted"]),
        (Decimal("800.00"), False, ["petites_creances_open", "b2c", "prescription_not_interrupted"]),
    ],
)
def test_notes(total: Decimal, business: bool, codes: list[str]) -> None:
    assert [n.code for n in check_claim(_facts(total=total, business_debtor=business)).notes] == codes


def test_exhibits_are_numbered_in_order_with_their_number_first() -> None:
    sources = [ExhibitSource("invoice", "t", None, "pdf", "application/pdf", f"Facture n° F/{n}") for n in range(12)]
    paths = [e.path for e in number_exhibits(sources)]
    assert paths[0] == "pieces/01-facture-n-f-0.pdf" and paths[11] == "pieces/12-facture-n-f-11.pdf"
    assert slugify("Mise en demeure de payer") == "mise-en-demeure-de-payer" and slugify("—") == "piece"
