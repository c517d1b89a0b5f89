"""The list of cases (``GET /v1/cases``): newest first, keyset-paginated (``use_cases.listing``), filtered by
status, debtor and next step. A debtor id that is not the tenant's matches nothing.

The next step is the action of ``domain.next_step`` (the ladder), decided from the two columns
``db.case_progress`` keeps (furthest ladder letter issued, earliest unpaid due date) and today in Paris; so
``?next_step=`` is a SQL condition, not a computation per case. Its ``not_before`` date and reason stay on the
case page (``GET /v1/cases/{id}``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from notice_service.db.models.cases import Case
from notice_service.domain.deadlines import PARIS
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.json_values import iso_or_none
from notice_service.use_cases.listing import Keyset, PageRequest, fetch_page, page_json

CASES = Keyset("cases", Case, Case.created_at)


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None
    debtor_id: str | None = None
    next_step: str | None = None
    overdue: bool = False  # only cases whose earliest unpaid invoice is past its due date (Paris today)


#: The ladder letter that follows each stage; after the mise en demeure, the injonction de payer.
FOLLOWS = {"pre_reminder": "reminder", "reminder": "second_reminder", "second_reminder": "formal_notice"}


def next_action(stage: str | None, unpaid_due: date | None, today: date) -> str:
    """``domain.next_step``'s action from the furthest ladder letter issued and the earliest unpaid due date."""
    if unpaid_due is None:
        return "none"
    if stage is None:
        return "pre_reminder" if today <= unpaid_due else "reminder"
    return FOLLOWS.get(stage, "injonction_de_payer")


def next_step_condition(action: str, today: date) -> ColumnElement[bool]:
    """The SQL condition equivalent to ``next_action(...) == action``."""
    if action == "none":
        return Case.unpaid_due.is_(None)
    owed = Case.unpaid_due.is_not(None)
    if action == "pre_reminder":
        return and_(Case.ladder_stage.is_(None), Case.unpaid_due >= today)
    if action == "reminder":
        return and_(
            owed, or_(Case.ladder_stage == "pre_reminder", and_(Case.ladder_stage.is_(None), Case.unpaid_due < today))
        )
    if action == "injonction_de_payer":
        return and_(owed, Case.ladder_stage.is_not(None), Case.ladder_stage.not_in(list(FOLLOWS)))
    return and_(owed, Case.ladder_stage.in_([stage for stage, follower in FOLLOWS.items() if follower == action]))


def case_item(case: Case, today: date) -> dict[str, Any]:
    """A case as listed, with its next step's action; ``GET /v1/cases/{id}`` has the whole case."""
    return {
        "id": case.id,
        "debtor_id": case.debtor_id,
        "reference": case.reference,
        "status": case.status,
        "next_step": next_action(case.ladder_stage, case.unpaid_due, today),
        "created_at": iso_or_none(case.created_at),
    }


def list_cases(services: Services, actor: Actor, filters: CaseFilters, page: PageRequest) -> dict[str, Any]:
    """A page of the tenant's cases matching ``filters``."""
    today = services.clock.now().astimezone(PARIS).date()
    conditions: list[ColumnElement[bool]] = []
    if filters.status is not None:
        conditions.append(Case.status == filters.status)
    if filters.debtor_id is not None:
        conditions.append(Case.debtor_id == filters.debtor_id)
    if filters.next_step is not None:
        conditions.append(next_step_condition(filters.next_step, today))
    if filters.overdue:
        conditions.append(Case.unpaid_due < today)
    with services.db.reading() as session:
        found = fetch_page(session, CASES, actor.tenant_id, conditions, page)
        return page_json(found, [case_item(row, today) for row in found.rows])
