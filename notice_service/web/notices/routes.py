"""``/v1/notices``: list notices, read one, issue a draft, download its PDF."""

from __future__ import annotations

from flask import Blueprint, Response

from notice_service.use_cases.notices.issue import issue_notice
from notice_service.use_cases.notices.listing import NoticeFilters, list_notices
from notice_service.use_cases.notices.queries import get_notice, notice_pdf
from notice_service.web.context import actor, services
from notice_service.web.idempotency import idempotent
from notice_service.web.listing import parse_query
from notice_service.web.notices.schemas import NoticeListQuery, NoticeOut, NoticePage
from notice_service.web.openapi import operation
from notice_service.web.responses import json_response

notices = Blueprint("notices", __name__, url_prefix="/v1/notices")


@operation(
    notices,
    "/<notice_id>",
    "GET",
    "Read a notice: status, statement, document, signature, storage",
    response_model=NoticeOut,
)
def read_notice(notice_id: str) -> Response:
    return json_response(NoticeOut, get_notice(services(), actor(), notice_id))


@operation(
    notices,
    "/<notice_id>/issue",
    "POST",
    "Issue a drafted notice (render, check, sign, archive, audit)",
    response_model=NoticeOut,
    idempotent=True,
    scope="issue",
)
@idempotent
def issue_drafted_notice(notice_id: str) -> Response:
    issue_notice(services(), actor(), notice_id)
    return json_response(NoticeOut, get_notice(services(), actor(), notice_id))


@operation(
    notices,
    "/<notice_id>/pdf",
    "GET",
    "Download the issued PDF (or the draft's preview)",
    response_media="application/pdf",
)
def download_pdf(notice_id: str) -> Response:
    pdf, filename = notice_pdf(services(), actor(), notice_id)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@operation(notices, "", "GET", "List notices", query_model=NoticeListQuery, response_model=NoticePage)
def list_notices_route() -> Response:
    """The tenant's notices, newest first, filtered by case, kind and status."""
    who = actor()
    query = parse_query(NoticeListQuery)
    filters = NoticeFilters(case_id=query.case_id, kind=query.kind, status=query.status)
    return json_response(NoticePage, list_notices(services(), who, filters, query.page()))
