"""What a careful lawyer checks before filing a requête en injonction de payer, and which court receives it.

Pure functions over explicit facts (LEGAL.md §5–6):

* prescription (C. com. L110-4, C. conso. L218-2, C. civ. 2240): an invoice with a balance whose prescription
  date is before today makes the claim prescribed: the export is refused unless an override gives a reason;
* the mise en demeure: none issued, not yet received (actual or deemed), or its deadline not passed → warning;
  a mise en demeure does not interrupt prescription (Cass. com. 18 mai 2022, n°20-23.204);
* payments recorded after the mise en demeure → warning (the décompte takes them into account);
* petites créances (CPCE L125-1, R125-1 et s.): a total ≤ 5 000 EUR, principal and interest, also opens the
  procédure simplifiée de recouvrement;
* the competent court (CPC 1406, d'ordre public): tribunal de commerce for a claim between businesses, tribunal
  judiciaire otherwise, where the debtor lives; Alsace-Moselle's commercial claims go to the TJ's commercial
  chamber.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from notice_service.domain.french_format import date_fr

#: CPCE R125-1 (since 1 January 2020): principal and interest included.
PETITES_CREANCES_CEILING = Decimal("5000.00")
#: Départements of Alsace-Moselle (postal code prefixes): commercial claims go to the TJ's commercial chamber.
ALSACE_MOSELLE = ("57", "67", "68")


@dataclass(frozen=True)
class Court:
    kind: str  # "tribunal_de_commerce" | "tribunal_judiciaire"
    label: str
    seat: str
    basis: str


def competent_court(business_debtor: bool, postal_code: str, city: str) -> Court:
    """CPC 1406: the president of the tribunal de commerce (B2B commercial claim) or of the tribunal judiciaire
    (a consumer, or a civil claim) within whose jurisdiction the debtor lives or has its seat."""
    seat = f"dans le ressort duquel se trouve le domicile ou le siège du débiteur ({postal_code} {city})"
    if business_debtor and postal_code[:2] in ALSACE_MOSELLE:
        label = "Président du tribunal judiciaire (chambre commerciale)"
        return Court("tribunal_judiciaire", label, seat, "CPC art. 1406; Alsace-Moselle: chambre commerciale du TJ")
    if business_debtor:
        return Court("tribunal_de_commerce", "Président du tribunal de commerce", seat, "CPC art. 1406, C. com. L721-3")
    label = "Président du tribunal judiciaire (ou juge des contentieux de la protection)"
    return Court("tribunal_judiciaire", label, seat, "CPC art. 1406")


@dataclass(frozen=True)
class Finding:
    code: str
    message: str


@dataclass(frozen=True)
class FormalNoticeFacts:
    """An issued mise en demeure: the date it bears, its receipt (actual or deemed) and deadline when known."""

    notice_id: str
    dated: date
    receipt_on: date | None
    receipt_deemed: bool
    deadline_on: date | None


@dataclass(frozen=True)
class OpenInvoice:
    number: str
    balance: Decimal
    prescription_date: date


@dataclass(frozen=True)
class ClaimFacts:
    today: date
    business_debtor: bool
    total: Decimal
    invoices: Sequence[OpenInvoice]
    formal_notices: Sequence[FormalNoticeFacts]
    payment_dates: Sequence[date]


@dataclass(frozen=True)
class CheckOutcome:
    prescribed: list[OpenInvoice] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)


def prescribed_invoices(facts: ClaimFacts) -> list[OpenInvoice]:
    """Invoices with a balance whose prescription period ended before today (C. civ. 2229)."""
    return [i for i in facts.invoices if i.balance > 0 and i.prescription_date < facts.today]


def formal_notice_warnings(facts: ClaimFacts) -> list[Finding]:
    if not facts.formal_notices:
        return [Finding("no_formal_notice", "Aucune mise en demeure n’a été émise sur ce dossier.")]
    latest = max(facts.formal_notices, key=lambda notice: notice.dated)
    warnings = []
    if latest.receipt_on is None or latest.deadline_on is None:
        text = f"La mise en demeure du {date_fr(latest.dated)} n’est ni reçue ni réputée reçue à ce jour."
        warnings.append(Finding("formal_notice_not_received", text))
    elif latest.deadline_on >= facts.today:
        text = f"Le délai de la mise en demeure court jusqu’au {date_fr(latest.deadline_on)} inclus."
        warnings.append(Finding("deadline_not_passed", text))
    later = sorted(day for day in facts.payment_dates if day > latest.dated)
    if later:
        days = ", ".join(date_fr(day) for day in later)
        text = f"Paiement(s) enregistré(s) après la mise en demeure ({days}) : le décompte en tient compte."
        warnings.append(Finding("payment_after_formal_notice", text))
    return warnings


def claim_notes(facts: ClaimFacts) -> list[Finding]:
    notes = []
    if facts.total <= PETITES_CREANCES_CEILING:
        notes.append(
            Finding(
                "petites_creances_open",
                "Montant ≤ 5 000 € (principal et intérêts) : la procédure simplifiée de recouvrement des petites "
                "créances (CPCE L125-1, R125-1 et s.) est ouverte devant un commissaire de justice.",
            )
        )
    if facts.business_debtor:
        text = (
            "Créance entre professionnels : pénalités de retard (C. com. L441-10) et indemnité forfaitaire de "
            "40 € par facture (D441-5) ; prescription de 5 ans (C. com. L110-4)."
        )
        notes.append(Finding("b2b", text))
    else:
        text = (
            "Débiteur consommateur : intérêts au taux légal (C. civ. 1231-6), pas d’indemnité forfaitaire de "
            "40 € ; prescription de 2 ans (C. conso. L218-2)."
        )
        notes.append(Finding("b2c", text))
    notes.append(
        Finding(
            "prescription_not_interrupted",
            "La mise en demeure n’interrompt pas la prescription ; la signification de l’ordonnance l’interrompt "
            "(C. civ. 2241).",
        )
    )
    return notes


def check_claim(facts: ClaimFacts) -> CheckOutcome:
    return CheckOutcome(prescribed_invoices(facts), formal_notice_warnings(facts), claim_notes(facts))
