"""The frozen data of a letter: built from the case at draft time, stored as JSON, thawed to render.

What the letter says is decided once, when the draft is made (the décompte runs to ``as_of``, the earlier
letters of the case are listed as they stand); issuing renders those same facts, only stamping the issue date.
JSON keeps amounts as strings and dates as ISO strings; ``thaw`` turns them back into ``Decimal`` and ``date``
for the templates. ``mention_values`` and ``case_mentions`` give the completeness check what this letter must
show, printed the way the letter prints it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from notice_service.court_data import load_court_table
from notice_service.db.models.cases import Case
from notice_service.db.models.claims import Debtor
from notice_service.db.models.tenants import Tenant
from notice_service.domain.completeness import Mention
from notice_service.domain.courts import (
    ACTIVITIES,
    ALSACE_MOSELLE,
    commercial_court,
    court_activity,
    departement_of,
    is_company,
    name_court,
)
from notice_service.domain.french_format import date_fr, money_fr
from notice_service.domain.french_words import amount_fr
from notice_service.domain.iban import format_iban
from notice_service.errors import FieldError, InvalidInput
from notice_service.letter_catalogue import TITLES

_DATE_KEYS = frozenset({"issue_date", "due_date", "date", "as_of", "deadline_date", "from", "to", "notice_received_on"})
_AMOUNT_KEYS = frozenset(
    {"amount_due", "paid", "balance", "principal", "interest", "indemnities", "total", "amount", "credited", "base"}
)
_RATE_KEYS = frozenset({"rate"})


def creditor_block(tenant: Tenant) -> dict[str, Any]:
    profile = tenant.profile
    return {
        "name": tenant.name,
        "siren": tenant.siren,
        "legal_form": profile.get("legal_form"),
        "capital": profile.get("capital"),
        "rcs_city": profile.get("rcs_city"),
        "vat_number": profile.get("vat_number"),
        "address_lines": list(profile.get("address_lines") or []),
        "postal_code": profile.get("postal_code") or "",
        "city": profile.get("city") or "",
        "country": profile.get("country") or "FR",
        "email": profile.get("email"),
        "phone": profile.get("phone"),
    }


def _court_block(debtor: Debtor) -> dict[str, Any]:
    """How the letter names the debtor and the court a requête would go to (issue 12, findings 2 and 14):
    ``company`` ("La société" only for sociétés), the activity's label, the court of the debtor's commune
    (``None`` when the shipped table does not hold it) and the kind of court, printed when the court is unknown."""
    activity = court_activity(debtor.kind, debtor.activity)
    court = name_court(load_court_table(), activity, debtor.country, debtor.postal_code, debtor.city)
    commercial = commercial_court(activity) and departement_of(debtor.postal_code) not in ALSACE_MOSELLE
    return {
        "company": is_company(activity),
        "activity_label": ACTIVITIES[activity][0] if activity else "",
        "court": court.name if court else None,
        "court_kind": "tribunal de commerce" if commercial else "tribunal judiciaire",
    }


def _court_kind_of(kind: str | None) -> str:
    """The kind of court of a letter drafted before debtors had an activity (its data has no court)."""
    return "tribunal de commerce" if kind == "business" else "tribunal judiciaire"


def debtor_block(debtor: Debtor) -> dict[str, Any]:
    return {
        **_court_block(debtor),
        "kind": debtor.kind,
        "name": debtor.name,
        "siren": debtor.siren,
        "address_lines": list(debtor.address_lines),
        "postal_code": debtor.postal_code,
        "city": debtor.city,
        "country": debtor.country,
    }


@dataclass(frozen=True)
class LetterFacts:
    """What a letter says besides the parties: its kind, dates, options, décompte and the case's history."""

    notice_id: str
    kind: str
    as_of: date
    today: date
    options: Mapping[str, Any]
    statement: Mapping[str, Any]
    earlier_letters: list[dict[str, Any]] = field(default_factory=list)
    principal_creditor: Mapping[str, Any] | None = None
    verification: Mapping[str, str] | None = None  # {"code": grouped code, "url": <public URL>/v/<code>}


def _notice_block(tenant: Tenant, case: Case, facts: LetterFacts) -> dict[str, Any]:
    profile = tenant.profile
    return {
        "id": facts.notice_id,
        "reference": case.reference,
        "kind": facts.kind,
        "title": TITLES[facts.kind],
        "tone": facts.options.get("tone"),
        "place": profile.get("place") or profile.get("city") or "",
        "date": facts.today.isoformat(),
        "as_of": facts.as_of.isoformat(),
        "deadline_days": facts.options.get("deadline_days"),
        "deadline_date": None,
        "registered_letter_number": None,
        "signatory_name": profile.get("signatory_name") or "",
        "signatory_role": profile.get("signatory_role") or "",
    }


def _invoice_lines(statement: Mapping[str, Any]) -> list[dict[str, Any]]:
    keys = ("number", "issue_date", "due_date", "amount_due", "paid", "balance", "periods")
    return [
        {**{key: line[key] for key in keys}, "rate_basis": line.get("rate_basis")} for line in statement["invoices"]
    ]


def _total_in_words(total: Decimal) -> str:
    """The total in French words, which letters print; beyond 999 999 999 999,99 € a letter cannot say it."""
    try:
        return amount_fr(total)
    except ValueError as exc:
        raise InvalidInput(
            "The décompte's total is beyond what a letter can write out in words (under a thousand billion euros).",
            errors=[FieldError("total", "check the invoices' amounts: the total must be below 10^12 euros")],
        ) from exc


def _statement_block(statement: Mapping[str, Any]) -> dict[str, Any]:
    """The décompte's totals a letter prints; ``credited`` (the avoirs) only when there are some, so letters
    without credit notes keep the data they always had."""
    block = {key: statement[key] for key in ("principal", "interest", "indemnities", "paid", "total")}
    block["day_count_fr"] = statement.get("day_count_fr")
    block["notice_received_on"] = statement.get("notice_received_on")
    block["total_words"] = _total_in_words(Decimal(statement["total"]))
    if Decimal(statement.get("credited", "0")):
        block["credited"] = statement["credited"]
    if statement.get("arrete"):  # the arrêté sentence (domain/arrete.py), only when interest was stopped
        block["arrete"] = statement["arrete"]
    return block


def build_letter_data(*, tenant: Tenant, debtor: Debtor, case: Case, facts: LetterFacts) -> dict[str, Any]:
    """The letter's JSON data (amounts as strings, dates ISO), frozen into the draft."""
    profile = tenant.profile
    iban = profile.get("iban")
    installments = facts.options.get("installments") or []
    return {
        "creditor": creditor_block(tenant),
        "debtor": debtor_block(debtor),
        "notice": _notice_block(tenant, case, facts),
        "invoices": _invoice_lines(facts.statement),
        "statement": _statement_block(facts.statement),
        "earlier_letters": list(facts.earlier_letters),
        "installments": [{"number": n, **installment} for n, installment in enumerate(installments, start=1)],
        "agency": {"principal": dict(facts.principal_creditor)} if facts.principal_creditor else None,
        "payment": {
            "iban": format_iban(iban) if iban else None,
            "bic": profile.get("bic"),
            "reference": case.reference,
        },
        "contact": {
            "name": profile.get("signatory_name") or tenant.name,
            "email": profile.get("email"),
            "phone": profile.get("phone"),
        },
        "consumer_info": consumer_info(tenant, debtor, facts),
        "verification": dict(facts.verification) if facts.verification else None,
    }


def consumer_info(tenant: Tenant, debtor: Debtor, facts: LetterFacts) -> dict[str, Any] | None:
    """What a letter to a consumer, a creditor's or a collection agency's, tells the debtor besides the claim
    (issue 12 finding 11): the médiateur de la consommation (C. conso. L612-1, R616-1: name and website; the principal
    creditor's for an agency, when given), the RGPD information (art. 13; art. 14 for an agency, whose data
    come from its client) and, in a consumer's mise en demeure, the offer of a payment plan when the tenant
    allows one (profile ``payment_plan_offer``). ``None`` for a business debtor, agency or not: the RGPD
    protects natural persons (art. 1 and 4 1), not a company's data (recital 14), and mediation is for
    consumers (C. conso. L611-1)."""
    profile = tenant.profile
    agency = facts.principal_creditor
    if debtor.kind != "consumer":
        return None
    source = agency if agency else profile
    mediator = None
    if source.get("mediator_name") and source.get("mediator_url"):
        mediator = {"name": source["mediator_name"], "url": source["mediator_url"]}
    return {
        "mediator": mediator,
        "privacy_contact": profile.get("privacy_contact") or profile.get("email") or tenant.name,
        "data_source": agency.get("name") if agency else None,
        "payment_plan_offer": debtor.kind == "consumer"
        and facts.kind == "formal_notice"
        and bool(profile.get("payment_plan_offer")),
    }


def _thaw_value(key: str, value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _thaw_value(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_thaw_value(key, item) for item in value]
    if value is None or not isinstance(value, str):
        return value
    if key in _DATE_KEYS:
        return date.fromisoformat(value)
    if key in _AMOUNT_KEYS or key in _RATE_KEYS:
        return Decimal(value)
    return value


def thaw(letter_data: Mapping[str, Any], *, development_certificate: bool) -> dict[str, Any]:
    """The template context: typed values and the development-certificate flag."""
    context = {key: _thaw_value(key, value) for key, value in letter_data.items()}
    context["development_certificate"] = development_certificate
    return context


def _reminder_date(letter_data: Mapping[str, Any]) -> str:
    reminders = [letter for letter in letter_data.get("earlier_letters") or [] if letter["kind"] == "reminder"]
    return date_fr(date.fromisoformat(reminders[-1]["date"])) if reminders else ""


def _principal_values(letter_data: Mapping[str, Any]) -> dict[str, str]:
    principal = (letter_data.get("agency") or {}).get("principal") or {}
    return {
        "principal_name": principal.get("name") or "",
        "principal_postal_code": principal.get("postal_code") or "",
        "principal_city": principal.get("city") or "",
    }


def mention_values(letter_data: Mapping[str, Any]) -> dict[str, str]:
    """The strings the completeness check expects to read, printed the way the letter prints them."""
    creditor, debtor, statement = letter_data["creditor"], letter_data["debtor"], letter_data["statement"]
    notice = letter_data["notice"]
    deadline_days = notice.get("deadline_days")
    values = {
        "creditor_name": creditor["name"],
        "creditor_siren": creditor["siren"],
        "creditor_legal_form": creditor.get("legal_form") or "",
        "creditor_rcs_city": creditor.get("rcs_city") or "",
        "creditor_postal_code": creditor.get("postal_code") or "",
        "creditor_city": creditor.get("city") or "",
        "debtor_name": debtor["name"],
        "debtor_siren": debtor.get("siren") or "",
        "debtor_postal_code": debtor.get("postal_code") or "",
        "debtor_city": debtor["city"],
        "court_name": debtor.get("court") or debtor.get("court_kind") or _court_kind_of(debtor.get("kind")),
        "reference": notice["reference"],
        "deadline_days": "" if deadline_days is None else str(deadline_days),
        "date": date_fr(date.fromisoformat(notice["date"])),
        "place": notice.get("place") or "",
        "signatory_name": notice.get("signatory_name") or "",
        "contact_name": letter_data["contact"]["name"],
        "iban": (letter_data["payment"].get("iban") or ""),
        "first_reminder_date": _reminder_date(letter_data),
        "verification_url": (letter_data.get("verification") or {}).get("url") or "",
        **_principal_values(letter_data),
    }
    for key in ("principal", "interest", "indemnities", "paid", "total"):
        values[key] = money_fr(Decimal(statement[key]))
    if debtor["kind"] == "consumer" and not statement.get("notice_received_on"):
        values["interest"] = "néant"  # no amount before receipt of a mise en demeure (issue 12 finding 7)
    return values


def invoice_mentions(letter_data: Mapping[str, Any]) -> list[Mention]:
    """One mention per invoice: its number and balance must be printed (the claim's basis)."""
    return [
        Mention(
            id=f"invoice:{line['number']}",
            label=f"Facture {line['number']}: numéro, dates, montant et solde",
            legal_basis="C. civ. art. 1353 (preuve de l’obligation : chaque facture, son échéance et son solde)",
            expected=(
                line["number"],
                date_fr(date.fromisoformat(line["due_date"])),
                money_fr(Decimal(line["balance"])),
            ),
        )
        for line in letter_data["invoices"]
    ]


def _history_basis(letter_data: Mapping[str, Any]) -> str:
    if letter_data.get("agency"):
        return "CPCE art. R124-4 (références et date des courriers rappelées à chaque étape)"
    return "bonne pratique (preuve des démarches amiables antérieures)"


def case_mentions(letter_data: Mapping[str, Any]) -> list[Mention]:
    """What this case's letter must show besides its kind's mentions: each invoice, each earlier letter with
    its date, the validated IBAN when there is one, each proposed instalment."""
    mentions = invoice_mentions(letter_data)
    mentions += [
        Mention(
            id=f"earlier_letter:{letter['id']}",
            label=f"Courrier antérieur : {letter['title']} du {date_fr(date.fromisoformat(letter['date']))}",
            legal_basis=_history_basis(letter_data),
            expected=(f"{letter['title']} du {date_fr(date.fromisoformat(letter['date']))}", letter["id"]),
        )
        for letter in letter_data.get("earlier_letters") or []
    ]
    if letter_data["payment"].get("iban"):
        mentions.append(
            Mention(
                "iban",
                "IBAN du compte à créditer",
                "C. civ. art. 1343-4 (paiement au domicile du créancier)",
                ("{iban}",),
            )
        )
    mentions += [
        Mention(
            id=f"installment:{item['number']}",
            label=f"Échéance {item['number']} de l’échéancier proposé",
            legal_basis="C. civ. art. 1113 (offre précise: dates et montants)",
            expected=(date_fr(date.fromisoformat(item["due_date"])), money_fr(Decimal(item["amount"]))),
        )
        for item in letter_data.get("installments") or []
    ]
    return mentions
