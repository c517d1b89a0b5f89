"""``/v1/debtors``: register, list, read (with an ``ETag``) and update debtors (JSON merge patch, ``If-Match``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from notice_service.use_cases.claims.debtor_updates import update_debtor
from notice_service.use_cases.claims.debtors import DebtorInput, register_debtor
from notice_service.use_cases.claims.listing import list_debtors
from notice_service.use_cases.claims.queries import get_debtor
from notice_service.use_cases.versions import etag_of
from notice_service.web.claims.schemas import DebtorCreate, DebtorListQuery, DebtorOut, DebtorPage, DebtorPatch
from notice_service.web.context import actor, services
from notice_service.web.idempotency import idempotent
from notice_service.web.listing import parse_query
from notice_service.web.openapi import operation, parse_json
from notice_service.web.patching import MERGE_PATCH, if_match, merge_patch_body, with_etag
from notice_service.web.responses import json_response

debtors = Blueprint("debtors", __name__, url_prefix="/v1/debtors")


def debtor_input(body: dict[str, Any]) -> DebtorInput:
    """A debtor's JSON (as created or as patched) checked against ``DebtorCreate``, as the use case's input."""
    checked = DebtorCreate.model_validate(body)
    fields = checked.model_dump(exclude={"address"})
    address = checked.address
    return DebtorInput(
        **fields,
        address_lines=tuple(address.lines),
        postal_code=address.postal_code,
        city=address.city,
        country=address.country,
    )


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
    debtor_id = register_debtor(services(), actor(), debtor_input(parse_json(DebtorCreate).model_dump()))
    return json_response(DebtorOut, get_debtor(services(), actor(), debtor_id), 201, f"/v1/debtors/{debtor_id}")


@operation(debtors, "/<debtor_id>", "GET", "Read a debtor", response_model=DebtorOut)
def read_debtor(debtor_id: str) -> Response:
    found = get_debtor(services(), actor(), debtor_id)
    return with_etag(json_response(DebtorOut, found), etag_of(found))


@operation(
    debtors,
    "/<debtor_id>",
    "PATCH",
    "Update a debtor (JSON merge patch; If-Match required)",
    request_model=DebtorPatch,
    response_model=DebtorOut,
    request_media=MERGE_PATCH,
    if_match=True,
)
def patch_debtor(debtor_id: str) -> Response:
    patch = merge_patch_body()
    DebtorPatch.model_validate(patch)  # a malformed patch is a 422 before any version is compared (412)
    who = actor()
    updated = update_debtor(services(), who, debtor_id, patch, if_match(), debtor_input)
    return with_etag(json_response(DebtorOut, updated), etag_of(updated))


@operation(debtors, "", "GET", "List debtors", query_model=DebtorListQuery, response_model=DebtorPage)
def list_debtors_route() -> Response:
    """The tenant's debtors, newest first, searched with ``q``."""
    who = actor()
    query = parse_query(DebtorListQuery)
    return json_response(DebtorPage, list_debtors(services(), who, query.q, query.page()))
