"""Registering a debtor (a business with its SIREN, or a consumer) and its postal address."""

from __future__ import annotations

import re
from dataclasses import dataclass

from notice_service.db import audit_repository
from notice_service.db.models.claims import Debtor
from notice_service.domain.courts import ACTIVITIES, DEFAULT_BUSINESS_ACTIVITY
from notice_service.domain.siren import normalise_siren, siren_problem
from notice_service.domain.sms import phone_problem
from notice_service.errors import FieldError, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id

DEBTOR_KINDS = ("business", "consumer")
_FRENCH_POSTAL_CODE = re.compile(r"^\d{5}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class DebtorInput:
    kind: str
    name: str
    address_lines: tuple[str, ...]
    postal_code: str
    city: str
    country: str = "FR"
    siren: str | None = None
    email: str | None = None
    activity: str | None = None
    phone: str | None = None  # the mobile number of the SMS step, E.164


def _activity_errors(data: DebtorInput) -> list[FieldError]:
    """A business's activity is one of ``ACTIVITIES`` (default ``societe_commerciale``); a consumer has none."""
    if data.activity is None:
        return []
    if data.kind == "consumer":
        return [FieldError("activity", "a consumer has no activity: leave it out")]
    if data.activity not in ACTIVITIES:
        return [FieldError("activity", f"activity is one of {', '.join(ACTIVITIES)}")]
    return []


def debtor_activity(data: DebtorInput) -> str | None:
    """The activity stored: the one given, the default for a business, none for a consumer."""
    if data.kind != "business":
        return None
    return data.activity or DEFAULT_BUSINESS_ACTIVITY


def _address_errors(data: DebtorInput) -> list[FieldError]:
    errors = []
    lines = [line for line in data.address_lines if line.strip()]
    if not 1 <= len(lines) <= 4:
        errors.append(FieldError("address.lines", "give 1 to 4 non-empty address lines"))
    if any(len(line) > 38 for line in lines):
        errors.append(FieldError("address.lines", "an address line holds at most 38 characters (AFNOR NF Z10-011)"))
    if not _COUNTRY.match(data.country):
        errors.append(FieldError("address.country", "use an ISO 3166-1 alpha-2 code such as FR"))
    elif data.country == "FR" and not _FRENCH_POSTAL_CODE.match(data.postal_code):
        errors.append(FieldError("address.postal_code", "a French postal code has 5 digits"))
    if not data.postal_code.strip():
        errors.append(FieldError("address.postal_code", "the postal code is required"))
    if not data.city.strip():
        errors.append(FieldError("address.city", "the city is required"))
    return errors


def validate_debtor(data: DebtorInput) -> list[FieldError]:
    errors = []
    if data.kind not in DEBTOR_KINDS:
        errors.append(FieldError("kind", "kind is 'business' or 'consumer'"))
    if not data.name.strip():
        errors.append(FieldError("name", "the debtor's name is required"))
    if data.kind == "business":
        if not data.siren:
            errors.append(FieldError("siren", "a business debtor needs its SIREN (9 digits)"))
        elif problem := siren_problem(data.siren):
            errors.append(FieldError("siren", problem))
    elif data.siren:
        errors.append(FieldError("siren", "a consumer has no SIREN: leave it out"))
    if data.email is not None and not _EMAIL.match(data.email):
        errors.append(FieldError("email", "not an e-mail address"))
    if data.phone is not None and (problem := phone_problem(data.phone)):
        errors.append(FieldError("phone", problem))
    return errors + _activity_errors(data) + _address_errors(data)


def register_debtor(services: Services, actor: Actor, data: DebtorInput) -> str:
    errors = validate_debtor(data)
    if errors:
        raise InvalidInput("The debtor cannot be registered.", errors=errors)
    debtor_id = new_id()
    now = services.clock.now()
    with services.db.transaction() as session:
        session.add(
            Debtor(
                id=debtor_id,
                tenant_id=actor.tenant_id,
                kind=data.kind,
                name=data.name.strip(),
                siren=normalise_siren(data.siren) if data.siren else None,
                address_lines=[line.strip() for line in data.address_lines if line.strip()],
                postal_code=data.postal_code.strip(),
                city=data.city.strip(),
                country=data.country,
                activity=debtor_activity(data),
                email=data.email,
                phone=data.phone,
                created_at=now,
            )
        )
        session.flush()
        audit_repository.append(
            session,
            actor.tenant_id,
            [actor.record("debtor:registered", "debtor", debtor_id, data={"kind": data.kind})],
            now,
        )
    return debtor_id
