"""``POST`` and ``GET /v1/cases/{id}/sms`` (send, and list what was sent), ``POST /v1/debtors/{id}/sms-opt-out``.

An ``Idempotency-Key`` header on a send is the SMS's own idempotency key: the same key answers the SMS already
accepted under it instead of texting the debtor twice.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from notice_service.use_cases.sms.opt_out import opt_out_of_sms
from notice_service.use_cases.sms.queries import case_sms, get_sms
from notice_service.use_cases.sms.send import send_sms
from notice_service.web.claims.schemas import DebtorOut
from notice_service.web.context import actor, services
from notice_service.web.openapi import operation, parse_json
from notice_service.web.responses import json_response
from notice_service.web.sms.schemas import SmsCreate, SmsList, SmsOut

sms = Blueprint("sms", __name__, url_prefix="/v1")


@operation(
    sms,
    "/cases/<case_id>/sms",
    "POST",
    "Send an SMS to the case's debtor (opt-out and a consumer's hours respected)",
    request_model=SmsCreate,
    response_model=SmsOut,
    status=201,
    idempotent=True,
    scope="dispatch",
)
def create_sms(case_id: str) -> Response:
    body = parse_json(SmsCreate)
    who = actor()
    key = request.headers.get("Idempotency-Key")
    sms_id = send_sms(services(), who, case_id, body.text, idempotency_key=f"http:{key}" if key else None)
    return json_response(SmsOut, get_sms(services(), who, sms_id), 201, f"/v1/cases/{case_id}/sms")


@operation(sms, "/cases/<case_id>/sms", "GET", "List the SMS of a case with their outcome", response_model=SmsList)
def list_case_sms(case_id: str) -> Response:
    return json_response(SmsList, case_sms(services(), actor(), case_id))


@operation(
    sms, "/debtors/<debtor_id>/sms-opt-out", "POST", "Record that a debtor wants no SMS", response_model=DebtorOut
)
def sms_opt_out(debtor_id: str) -> Response:
    return json_response(DebtorOut, opt_out_of_sms(services(), actor(), debtor_id))
