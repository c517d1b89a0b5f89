"""``/v1/debtors``: register and read debtors."""

from __future__ import annotations

from flask import Blueprint, Response

from notice_service.use_cases.claims.debtors import DebtorInput, register_debtor
from notice_service.use_cases.claims.queries import get_debtor
from notice_service.web.claims.schemas import DebtorCreate, DebtorOut
from notice_service.web.context import actor, services
from notice_service.web.idempotency import idempotent
from notice_service.web.openapi import operation, parse_json
from notice_service.web.responses import json_response

debtors = Blueprint("debtors", __name__, url_prefix="/v1/debtors")


@operation(
    debtors,
    "",
    "POST",
    "Register a debtor",
    request_model=DebtorCreate,
    response_model=DebtorOut,
    status=201,
    creates="debtor_id",
    idempotent=True,
)
@idempotent
def create_debtor() -> Response:
    body = parse_json(DebtorCreate)
    data = DebtorInput(
        kind=body.kind,
        name=body.name,
        siren=body.siren,
        address_lines=tuple(body.address.lines),
        postal_code=body.address.postal_code,
        city=body.address.city,
        country=body.address.country,
        email=body.email,
    )
    debtor_id = register_debtor(services(), actor(), data)
    return json_response(DebtorOut, get_debtor(services(), actor(), debtor_id), 201, f"/v1/debtors/{debtor_id}")


@operation(debtors, "/<debtor_id>", "GET", "Read a debtor", response_model=DebtorOut)
def read_debtor(debtor_id: str) -> Response:
    return json_response(DebtorOut, get_debtor(services(), actor(), debtor_id))
