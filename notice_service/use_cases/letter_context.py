"""The frozen data of a letter: built from the case at draft time, stored as JSON, thawed to render.

What the letter says is decided once, when the draft is made (the décompte runs to ``as_of``); issuing
renders those same facts, only stamping the issue date. JSON keeps amounts as strings and dates as ISO
strings; ``thaw`` turns them back into ``Decimal`` and ``date`` for the templates.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from notice_service.db.models import Case, Debtor, Tenant
from notice_service.domain.completeness import Mention
from notice_service.domain.french_format import date_fr, money_fr

_DATE_KEYS = frozenset({"issue_date", "due_date", "date", "as_of", "deadline_date"})
_AMOUNT_KEYS = frozenset({"amount_due", "paid", "balance", "principal", "interest", "indemnities", "total"})


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


def debtor_block(debtor: Debtor) -> dict[str, Any]:
    return {
        "kind": debtor.kind,
        "name": debtor.name,
        "siren": debtor.siren,
        "address_lines": list(debtor.address_lines),
        "postal_code": debtor.postal_code,
        "city": debtor.city,
        "country": debtor.country,
    }


def build_letter_data(
    *,
    tenant: Tenant,
    debtor: Debtor,
    case: Case,
    notice_id: str,
    kind: str,
    as_of: date,
    today: date,
    deadline_days: int,
    statement: Mapping[str, Any],
) -> dict[str, Any]:
    """The letter's JSON data (amounts as strings, dates ISO), frozen into the draft."""
    profile = tenant.profile
    return {
        "creditor": creditor_block(tenant),
        "debtor": debtor_block(debtor),
        "notice": {
            "id": notice_id,
            "reference": case.reference,
            "kind": kind,
            "place": profile.get("place") or profile.get("city") or "",
            "date": today.isoformat(),
            "as_of": as_of.isoformat(),
            "deadline_days": deadline_days,
            "deadline_date": None,
            "registered_letter_number": None,
            "signatory_name": profile.get("signatory_name") or "",
            "signatory_role": profile.get("signatory_role") or "",
        },
        "invoices": [
            {key: line[key] for key in ("number", "issue_date", "due_date", "amount_due", "paid", "balance")}
            for line in statement["invoices"]
        ],
        "statement": {key: statement[key] for key in ("principal", "interest", "indemnities", "paid", "total")},
        "payment": {"iban": profile.get("iban"), "bic": profile.get("bic"), "reference": case.reference},
        "contact": {
            "name": profile.get("signatory_name") or tenant.name,
            "email": profile.get("email"),
            "phone": profile.get("phone"),
        },
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
    if key in _AMOUNT_KEYS:
        return Decimal(value)
    return value


def thaw(letter_data: Mapping[str, Any], *, development_certificate: bool) -> dict[str, Any]:
    """The template context: typed values and the development-certificate flag."""
    context = {key: _thaw_value(key, value) for key, value in letter_data.items()}
    context["development_certificate"] = development_certificate
    return context


def mention_values(letter_data: Mapping[str, Any]) -> dict[str, str]:
    """The strings the completeness check expects to read, printed the way the letter prints them."""
    creditor, debtor, statement = letter_data["creditor"], letter_data["debtor"], letter_data["statement"]
    notice = letter_data["notice"]
    values = {
        "creditor_name": creditor["name"],
        "creditor_siren": creditor["siren"],
        "creditor_legal_form": creditor.get("legal_form") or "",
        "creditor_rcs_city": creditor.get("rcs_city") or "",
        "creditor_city": creditor.get("city") or "",
        "debtor_name": debtor["name"],
        "debtor_siren": debtor.get("siren") or "",
        "debtor_city": debtor["city"],
        "reference": notice["reference"],
        "deadline_days": str(notice["deadline_days"]),
        "date": date_fr(date.fromisoformat(notice["date"])),
        "place": notice.get("place") or "",
        "signatory_name": notice.get("signatory_name") or "",
        "iban": (letter_data["payment"].get("iban") or ""),
    }
    for key in ("principal", "interest", "indemnities", "paid", "total"):
        values[key] = money_fr(Decimal(statement[key]))
    return values


def invoice_mentions(letter_data: Mapping[str, Any]) -> list[Mention]:
    """One mention per invoice: its number and balance must be printed (the claim's basis)."""
    return [
        Mention(
            id=f"invoice:{line['number']}",
            label=f"Facture {line['number']}: numéro, dates, montant et solde",
            legal_basis="CPC art. 1407 (fondement et décompte de la créance)",
            expected=(
                line["number"],
                date_fr(date.fromisoformat(line["due_date"])),
                money_fr(Decimal(line["balance"])),
            ),
        )
        for line in letter_data["invoices"]
    ]
