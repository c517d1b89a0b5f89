"""The dossier's generated documents: ``bordereau.pdf``, ``requete.pdf``, ``decompte.pdf`` and
``note-interne-avocat.pdf`` (rendered through the letter renderer from ``letter_templates/dossier_*``) and
``decompte.csv`` (per invoice and per period).

The bordereau is served on the debtor with the ordonnance (CPC 1411): it lists the pièces only. The checks'
results (prescription overridden, disputes, notes) go to the internal note, kept with the dossier for the
lawyer, never among the pièces (issue 12, finding 5)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from notice_service.domain.courts import ACTIVITIES, DEFAULT_BUSINESS_ACTIVITY, is_company
from notice_service.domain.dossier.after_order import after_order_steps
from notice_service.domain.dossier.exhibits import Exhibit
from notice_service.domain.dossier.legal import Finding
from notice_service.ports import LetterRequest
from notice_service.services import Services
from notice_service.use_cases.dossier.checks import Assessment
from notice_service.use_cases.dossier.collect import CaseMaterial

_MONEY = ("principal", "interest", "indemnities", "paid", "total")
_LINE_MONEY = ("amount_due", "paid", "balance", "interest", "indemnity")


@dataclass(frozen=True)
class GeneratedDocuments:
    bordereau: bytes
    requete: bytes
    decompte_pdf: bytes
    decompte_csv: bytes
    note: bytes


def _statement_context(statement: dict[str, Any]) -> dict[str, Any]:
    lines = []
    for line in statement["invoices"]:
        periods = [
            {
                "start": date.fromisoformat(p["from"]),
                "end": date.fromisoformat(p["to"]),
                "days": p["days"],
                "rate": Decimal(p["rate"]).quantize(Decimal("0.01")),
                "amount": Decimal(p["amount"]),
                "base": Decimal(p["base"]) if "base" in p else None,
                "formula": p.get("formula"),
            }
            for p in line["periods"]
        ]
        lines.append(
            {
                **{k: Decimal(line[k]) for k in _LINE_MONEY},
                "number": line["number"],
                "issue_date": date.fromisoformat(line["issue_date"]),
                "due_date": date.fromisoformat(line["due_date"]),
                "periods": periods,
                "rate_basis": line.get("rate_basis"),
                "payments": [_payment_context(p) for p in line.get("payments") or []],
            }
        )
    totals = {k: Decimal(statement[k]) for k in _MONEY}
    totals["credited"] = Decimal(statement.get("credited", "0"))
    words = {k: statement.get(k) for k in ("day_count_fr", "imputation_fr")}
    return {
        **totals,
        **words,
        "invoices": lines,
        "day_count": statement["day_count"],
        "imputation": statement["imputation"],
        "arrete": statement.get("arrete"),
    }


def _payment_context(payment: dict[str, Any]) -> dict[str, Any]:
    """A payment imputed on an invoice: its date and what went to interest and to principal."""
    return {
        "paid_on": date.fromisoformat(payment["paid_on"]),
        **{k: Decimal(payment[k]) for k in ("amount", "to_interest", "to_principal")},
    }


def later_interest(statement: dict[str, Any], today: date) -> dict[str, Any]:
    """What "outre les intérêts postérieurs" stands for in the requête (issue 12, finding 10): the principal
    still due (their base), the rate of the latest period of the décompte (the rate in force on the day it is
    arrêté; ``None`` when no interest has run yet) and the day after the décompte (their start)."""
    periods = [p for line in statement["invoices"] for p in line["periods"]]
    latest = max(periods, key=lambda p: p["to"], default=None)
    base = sum((Decimal(line.get("principal_balance", line["balance"])) for line in statement["invoices"]), Decimal(0))
    rate = Decimal(latest["rate"]).quantize(Decimal("0.01")) if latest else None
    return {"base": base, "rate": rate, "start": today + timedelta(days=1)}


def _parties(material: CaseMaterial) -> dict[str, Any]:
    profile, tenant, debtor = material.tenant.profile, material.tenant, material.debtor
    creditor = {
        "name": tenant.name,
        "siren": tenant.siren,
        **{k: profile.get(k) for k in ("legal_form", "rcs_city", "signatory_name", "signatory_role")},
        "address_lines": list(profile.get("address_lines") or []),
        "postal_code": profile.get("postal_code") or "",
        "city": profile.get("city") or "",
    }
    activity = (debtor.activity or DEFAULT_BUSINESS_ACTIVITY) if debtor.kind == "business" else None
    debtor_context = {
        "company": is_company(activity),
        "activity_label": ACTIVITIES[activity][0] if activity in ACTIVITIES else "",
        "name": debtor.name,
        "siren": debtor.siren,
        "address_lines": list(debtor.address_lines),
        "postal_code": debtor.postal_code,
        "city": debtor.city,
    }
    principal = _principal_creditor(material)
    if principal is None:
        parties = {"creditor": creditor, "agent": None}
    else:  # issue 12, finding 1: the client sues; the agency is its mandataire (CPCE R124-3)
        parties = {"creditor": principal, "agent": {**creditor, "pouvoir_special": principal.get("pouvoir_special")}}
    return {**parties, "debtor": debtor_context, "case": {"reference": material.case.reference}}


def _principal_creditor(material: CaseMaterial) -> dict[str, Any] | None:
    """A collection agency's case: the principal creditor of its latest letter (the requérant), else ``None``."""
    if not material.tenant.profile.get("collection_agency"):
        return None
    found = [n.notice.letter_data.get("agency") for n in material.notices]
    principals = [dict(agency["principal"]) for agency in found if agency and agency.get("principal")]
    if not principals:
        return None
    latest = principals[-1]
    return {
        "legal_form": None,
        "rcs_city": None,
        "signatory_name": None,
        "signatory_role": None,
        "siren": latest.get("siren") or "",
        **latest,
    }


def _latest_formal_notice(material: CaseMaterial) -> date | None:
    dates = [
        date.fromisoformat(n.notice.letter_data["notice"]["date"])
        for n in material.notices
        if n.notice.kind == "formal_notice"
    ]
    return max(dates) if dates else None


def _render(services: Services, kind: str, title: str, context: dict[str, Any]) -> bytes:
    return services.renderer.render(LetterRequest(kind=kind, variant="document", context=context, title=title)).pdf


#: The columns of ``decompte.csv``, in order; every row has all of them.
CSV_HEADER = ("ligne", "facture", "emise_le", "echeance", *_LINE_MONEY, "du", "au", "jours", "taux", "montant", "note")


def decompte_csv(statement: dict[str, Any]) -> bytes:
    """One row per invoice (``ligne=facture``), then one per interest period (``ligne=periode``) and one per
    credit note (``ligne=avoir``: its date and, negative, its amount); ``;``-separated, amounts with a decimal
    point, dates ISO 8601; every row has the header's 15 columns (``CSV_HEADER``).

    The last row (``ligne=total``) carries the statement's totals under the invoice columns (``amount_due`` the
    principal, ``paid``, ``balance`` what is left of the principal after payments and avoirs, ``interest``,
    ``indemnity``), ``au`` the day interest runs to (the arrêté's day, else the décompte's date), ``montant`` the
    total claimed and, in ``note``, the arrêté sentence claiming the later interest when the décompte is arrêté at
    the last confirmed rate (``interest_until: last_confirmed``, ``domain/arrete.py``), else nothing."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_HEADER)
    blank = [""] * (2 + len(_LINE_MONEY))
    for line in statement["invoices"]:
        money = [line[k] for k in _LINE_MONEY]
        writer.writerow(["facture", line["number"], line["issue_date"], line["due_date"], *money, *[""] * 6])
        for p in line["periods"]:
            period = [p["from"], p["to"], p["days"], p["rate"], p["amount"]]
            writer.writerow(["periode", line["number"], *blank, *period, ""])
        for note in line.get("credit_notes", []):
            writer.writerow(
                ["avoir", line["number"], note["issued_on"], *blank[1:], *[""] * 4, f"-{note['amount']}", ""]
            )
    writer.writerow(_total_row(statement))
    return out.getvalue().encode("utf-8")


def _total_row(statement: dict[str, Any]) -> list[str]:
    principal, paid = Decimal(statement["principal"]), Decimal(statement["paid"])
    balance = principal - paid - Decimal(statement.get("credited", "0"))
    money = [statement["principal"], statement["paid"], f"{balance:.2f}", statement["interest"]]
    until = statement.get("interest_until") or statement["as_of"]
    total = [statement["indemnities"], "", until, "", "", statement["total"], statement.get("arrete") or ""]
    return ["total", "", "", "", *money, *total]


def render_documents(
    services: Services,
    material: CaseMaterial,
    assessment: Assessment,
    numbered: Sequence[tuple[Exhibit, str]],
    findings: tuple[Sequence[Finding], Sequence[Finding]],
    today: date,
) -> GeneratedDocuments:
    base = {
        **_parties(material),
        "today": today,
        "business": material.debtor.kind == "business",
        "statement": _statement_context(assessment.statement),
    }
    exhibits = [
        {"number": e.number, "title": e.source.title, "day": e.source.day, "sha256": sha, "path": e.path}
        for e, sha in numbered
    ]
    bordereau = {**base, "exhibits": exhibits}
    court = assessment.court
    requete = {
        **base,
        "court": {"label": court.label, "seat": court.seat, "basis": court.basis},
        "formal_notice": _latest_formal_notice(material),
        "exhibit_count": len(exhibits),
        "later_interest": later_interest(assessment.statement, today),
    }
    return GeneratedDocuments(
        bordereau=_render(services, "dossier_bordereau", "Bordereau des pièces", bordereau),
        requete=_render(services, "dossier_requete", "Requête en injonction de payer", requete),
        decompte_pdf=_render(services, "dossier_decompte", "Décompte des sommes dues", base),
        decompte_csv=decompte_csv(assessment.statement),
        note=_render(services, "dossier_note", "Note interne à l’avocat", _note_context(base, material, findings)),
    )


def _note_context(
    base: dict[str, Any], material: CaseMaterial, findings: tuple[Sequence[Finding], Sequence[Finding]]
) -> dict[str, Any]:
    """The internal note: the checks' warnings and notes, the steps after the ordonnance for this debtor."""
    warnings, notes = findings
    steps = after_order_steps(material.debtor.country, material.debtor.postal_code)
    return {**base, "warnings": list(warnings), "notes": list(notes), "steps": steps}
