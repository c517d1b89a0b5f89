"""The options a notice is drafted with, checked per kind before anything is computed.

``deadline_days`` (mise en demeure, 8 by default, LEGAL.md Part A §8), ``tone`` (reminders: ``courteous``
or ``firm``, default the tenant profile's ``tone``, else courteous), ``installments`` (payment plan: a list of
``{"due_date", "amount"}``; their sum is checked against the décompte once it is computed) and
``principal_creditor`` (a collection agency's mise en demeure: the client it collects for, see
``use_cases.draft_notice``). An option the kind does not take is refused, by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from notice_service.domain.installments import Installment
from notice_service.errors import FieldError
from notice_service.letter_catalogue import OPTIONS, TONES

DEFAULT_DEADLINE_DAYS = 8
#: ``pouvoir_special``: the special power the agency holds from its client to act for it (e.g. "pouvoir spécial
#: du 2 février 2026"), printed in the requête, where the client is the requérant and the agency its mandataire.
PRINCIPAL_FIELDS = (
    "name",
    "siren",
    "address_lines",
    "postal_code",
    "city",
    "country",
    "mediator_name",
    "mediator_url",
    "pouvoir_special",
)


def _deadline_days(value: object, errors: list[FieldError]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
        errors.append(FieldError("deadline_days", "a whole number of days between 1 and 60 (8 is usual)"))
        return DEFAULT_DEADLINE_DAYS
    return value


def parse_installments(raw: object, errors: list[FieldError]) -> list[Installment]:
    """``[{"due_date": "YYYY-MM-DD", "amount": "123.45"}, …]`` as ``Installment``s; bad items are named."""
    if not isinstance(raw, list) or not raw:
        errors.append(FieldError("installments", "a list of {due_date, amount} (required for a payment plan)"))
        return []
    parsed = []
    for index, item in enumerate(raw):
        try:
            parsed.append(Installment(date.fromisoformat(item["due_date"]), Decimal(item["amount"])))
        except (KeyError, TypeError, ValueError, InvalidOperation):
            errors.append(FieldError(f"installments[{index}]", 'give {"due_date": "YYYY-MM-DD", "amount": "123.45"}'))
    return parsed


def _principal(raw: object, errors: list[FieldError]) -> dict[str, Any] | None:
    if raw is None:
        return None
    required = ("name", "address_lines", "postal_code", "city")
    if not isinstance(raw, Mapping) or any(not raw.get(key) for key in required):
        errors.append(FieldError("principal_creditor", "the creditor's name, address_lines, postal_code and city"))
        return None
    power = raw.get("pouvoir_special")
    if power is not None and (not isinstance(power, str) or not power.strip() or len(power) > 200):
        errors.append(FieldError("principal_creditor.pouvoir_special", "the special power's reference and date, text"))
        return None
    return {key: raw.get(key) for key in PRINCIPAL_FIELDS if raw.get(key) is not None}


def validated_options(
    kind: str, options: Mapping[str, Any], profile: Mapping[str, Any]
) -> tuple[dict[str, Any], list[FieldError]]:
    """The kind's options with their defaults, as JSON, and the errors found (kind and option names)."""
    allowed = OPTIONS.get(kind)
    if allowed is None:
        return {}, [FieldError("kind", f"supported kinds: {', '.join(OPTIONS)}")]
    errors = [FieldError(name, f"not an option of a {kind}") for name in sorted(set(options) - allowed)]
    result: dict[str, Any] = {}
    if "deadline_days" in allowed:
        result["deadline_days"] = _deadline_days(options.get("deadline_days", DEFAULT_DEADLINE_DAYS), errors)
    if "tone" in allowed:
        result["tone"] = options.get("tone") or profile.get("tone") or TONES[0]
        if result["tone"] not in TONES:
            errors.append(FieldError("tone", f"one of {', '.join(TONES)}"))
    if "installments" in allowed:
        parsed = parse_installments(options.get("installments"), errors)
        result["installments"] = [{"due_date": i.due_date.isoformat(), "amount": str(i.amount)} for i in parsed]
    if "principal_creditor" in allowed:
        principal = _principal(options.get("principal_creditor"), errors)
        if principal is not None:
            result["principal_creditor"] = principal
    return result, errors
