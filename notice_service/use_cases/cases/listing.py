"""The list of cases (``GET /v1/cases``): newest first, keyset-paginated (``use_cases.listing``), filtered by
status and debtor. A debtor id that is not the tenant's matches nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement

from notice_service.db.models.cases import Case
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.json_values import iso_or_none
from notice_service.use_cases.listing import Keyset, PageRequest, fetch_page, page_json

CASES = Keyset("cases", Case, Case.created_at)


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None
    debtor_id: str | None = None


def case_item(case: Case) -> dict[str, Any]:
    """A case as listed; ``GET /v1/cases/{id}`` has the whole case."""
    return {
        "id": case.id,
        "debtor_id": case.debtor_id,
        "reference": case.reference,
        "status": case.status,
        "created_at": iso_or_none(case.created_at),
    }


def list_cases(services: Services, actor: Actor, filters: CaseFilters, page: PageRequest) -> dict[str, Any]:
    """A page of the tenant's cases matching ``filters``."""
    conditions: list[ColumnElement[bool]] = []
    if filters.status is not None:
        conditions.append(Case.status == filters.status)
    if filters.debtor_id is not None:
        conditions.append(Case.debtor_id == filters.debtor_id)
    with services.db.reading() as session:
        found = fetch_page(session, CASES, actor.tenant_id, conditions, page)
        return page_json(found, [case_item(row) for row in found.rows])
