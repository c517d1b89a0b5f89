"""``/v1/cases``: open a case, list cases, read one with its timeline, draft (and issue) its notices, close and
reopen it."""

from __future__ import annotations

from flask import Blueprint, Response

from notice_service.use_cases.cases.lifecycle import close_case, reopen_case
from notice_service.use_cases.cases.listing import CaseFilters, list_cases
from notice_service.use_cases.cases.open import open_case
from notice_service.use_cases.cases.queries import get_case
from notice_service.use_cases.notices.draft import DraftRequest, draft_notice
from notice_service.use_cases.notices.issue import issue_notice
from notice_service.use_cases.notices.queries import get_notice
from notice_service.use_cases.tenants.api_keys import require_scope
from notice_service.web.cases.schemas import CaseClose, CaseCreate, CaseListQuery, CaseOut, CasePage, NoticeCreate
from notice_service.web.context import actor, services
from notice_service.web.idempotency import idempotent
from notice_service.web.listing import parse_query
from notice_service.web.notices.schemas import NoticeOut
from notice_service.web.openapi import operation, parse_json
from notice_service.web.responses import json_response

cases = Blueprint("cases", __name__, url_prefix="/v1/cases")


@operation(
    cases,
    "",
    "POST",
    "Open a case",
    request_model=CaseCreate,
    response_model=CaseOut,
    status=201,
    creates="case_id",
    idempotent=True,
)
@idempotent
def create_case() -> Response:
    body = parse_json(CaseCreate)
    case_id = open_case(services(), actor(), body.debtor_id, body.invoice_ids)
    return json_response(CaseOut, get_case(services(), actor(), case_id), 201, f"/v1/cases/{case_id}")


@operation(cases, "/<case_id>", "GET", "Read a case with its invoices, notices and timeline", response_model=CaseOut)
def read_case(case_id: str) -> Response:
    return json_response(CaseOut, get_case(services(), actor(), case_id))


@operation(
    cases,
    "/<case_id>/notices",
    "POST",
    'Draft a notice (and issue it with "issue": true)',
    request_model=NoticeCreate,
    response_model=NoticeOut,
    status=201,
    creates="notice_id",
    idempotent=True,
)
@idempotent
def create_notice(case_id: str) -> Response:
    body = parse_json(NoticeCreate)
    request = DraftRequest(
        case_id=case_id, kind=body.kind, as_of=body.as_of, options=body.options(), interest_until=body.interest_until
    )
    if body.issue:
        require_scope(actor(), "issue")
    notice_id = draft_notice(services(), actor(), request)
    if body.issue:
        issue_notice(services(), actor(), notice_id)
    return json_response(NoticeOut, get_notice(services(), actor(), notice_id), 201, f"/v1/notices/{notice_id}")


@operation(
    cases,
    "/<case_id>/close",
    "POST",
    "Close a case with a reason (paid, settled, written_off, transferred, other)",
    request_model=CaseClose,
    response_model=CaseOut,
)
def close(case_id: str) -> Response:
    body = parse_json(CaseClose)
    close_case(services(), actor(), case_id, body.reason, body.note)
    return json_response(CaseOut, get_case(services(), actor(), case_id))


@operation(cases, "/<case_id>/reopen", "POST", "Reopen a closed case", response_model=CaseOut)
def reopen(case_id: str) -> Response:
    reopen_case(services(), actor(), case_id)
    return json_response(CaseOut, get_case(services(), actor(), case_id))


@operation(cases, "", "GET", "List cases", query_model=CaseListQuery, response_model=CasePage)
def list_cases_route() -> Response:
    """The tenant's cases, newest first, filtered by status, debtor and next step."""
    who = actor()
    query = parse_query(CaseListQuery)
    filters = CaseFilters(status=query.status, debtor_id=query.debtor_id, next_step=query.next_step)
    return json_response(CasePage, list_cases(services(), who, filters, query.page()))
