"""The lists: dossiers (cases) and débiteurs, with the API's filters and keyset cursors."""

from __future__ import annotations

from typing import Any

from flask import request

from notice_service.domain.roles import Permission
from notice_service.errors import InvalidInput
from notice_service.use_cases.backoffice.rows import case_rows, debtor_rows
from notice_service.use_cases.cases.listing import CaseFilters, list_cases
from notice_service.use_cases.claims.listing import list_debtors
from notice_service.use_cases.listing import PageRequest
from notice_service.web.context import services
from notice_service.web.pages.blueprint import needs, pages, person
from notice_service.web.pages.rendering import page

STATUSES = ("open", "closed")
STEPS = ("pre_reminder", "reminder", "second_reminder", "formal_notice", "injonction_de_payer", "none")
PAGE_SIZE = 25


def _choice(name: str, choices: tuple[str, ...]) -> str | None:
    value = request.args.get(name) or None
    return value if value in choices else None


def _page_request() -> PageRequest:
    cursor = request.args.get("cursor") or None
    return PageRequest(limit=PAGE_SIZE, cursor=cursor)


@pages.get("/dossiers")
@needs(Permission.READ)
def cases_list() -> Any:
    debtor = request.args.get("debtor", "")[:64] or None
    overdue = request.args.get("overdue") == "1"
    filters = CaseFilters(
        status=_choice("status", STATUSES), debtor_id=debtor, next_step=_choice("next_step", STEPS), overdue=overdue
    )
    try:
        found = list_cases(services(), person().actor, filters, _page_request())
    except InvalidInput:
        found = list_cases(services(), person().actor, filters, PageRequest(limit=PAGE_SIZE))
    rows = case_rows(services(), person().actor, found["data"])
    args = {k: v for k, v in request.args.items() if k != "cursor" and v}
    return page("cases.html", rows=rows, next_cursor=found["next_cursor"], filters=filters, overdue=overdue, args=args)


@pages.get("/debiteurs")
@needs(Permission.READ)
def debtors_list() -> Any:
    q = request.args.get("q", "").strip()[:200] or None
    try:
        found = list_debtors(services(), person().actor, q, _page_request())
    except InvalidInput:
        found = list_debtors(services(), person().actor, q, PageRequest(limit=PAGE_SIZE))
    rows = debtor_rows(services(), person().actor, found["data"])
    args = {k: v for k, v in request.args.items() if k != "cursor" and v}
    return page("debtors.html", rows=rows, next_cursor=found["next_cursor"], q=q or "", args=args)
