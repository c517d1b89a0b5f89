"""The list of notices (``GET /v1/notices``): newest first, keyset-paginated (``use_cases.listing``),
filtered by case, kind and status. Items leave out the frozen letter data and décompte, which
``GET /v1/notices/{id}`` answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement

from notice_service.db.models.notices import Notice
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.json_values import iso_or_none
from notice_service.use_cases.listing import Keyset, PageRequest, fetch_page, page_json

NOTICES = Keyset("notices", Notice, Notice.created_at)


@dataclass(frozen=True)
class NoticeFilters:
    case_id: str | None = None
    kind: str | None = None
    status: str | None = None


def notice_item(notice: Notice) -> dict[str, Any]:
    """A notice as listed: what it is, its state and its document's hash."""
    return {
        "id": notice.id,
        "case_id": notice.case_id,
        "kind": notice.kind,
        "variant": notice.variant,
        "status": notice.status,
        "as_of": notice.as_of.isoformat(),
        "document_sha256": notice.document_sha256,
        "created_at": iso_or_none(notice.created_at),
        "issued_at": iso_or_none(notice.issued_at),
    }


def list_notices(services: Services, actor: Actor, filters: NoticeFilters, page: PageRequest) -> dict[str, Any]:
    """A page of the tenant's notices matching ``filters``."""
    conditions: list[ColumnElement[bool]] = []
    if filters.case_id is not None:
        conditions.append(Notice.case_id == filters.case_id)
    if filters.kind is not None:
        conditions.append(Notice.kind == filters.kind)
    if filters.status is not None:
        conditions.append(Notice.status == filters.status)
    with services.db.reading() as session:
        found = fetch_page(session, NOTICES, actor.tenant_id, conditions, page)
        return page_json(found, [notice_item(row) for row in found.rows])
