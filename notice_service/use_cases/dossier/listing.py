"""The list of evidence dossiers (``GET /v1/dossiers``): newest first, keyset-paginated
(``use_cases.listing``), optionally of one case."""

from __future__ import annotations

from typing import Any

from notice_service.db.models.dossier import Dossier
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.json_values import iso_or_none
from notice_service.use_cases.listing import Keyset, PageRequest, fetch_page, page_json

DOSSIERS = Keyset("dossiers", Dossier, Dossier.created_at)


def dossier_item(dossier: Dossier) -> dict[str, Any]:
    """A dossier as listed: its case, archive name, hash and size, and the findings of its checks."""
    return {
        "id": dossier.id,
        "case_id": dossier.case_id,
        "archive_name": dossier.archive_name,
        "sha256": dossier.sha256,
        "size": dossier.size,
        "findings": dossier.findings,
        "created_at": iso_or_none(dossier.created_at),
    }


def list_dossiers(services: Services, actor: Actor, case_id: str | None, page: PageRequest) -> dict[str, Any]:
    """A page of the tenant's dossiers, optionally of one case."""
    conditions = [Dossier.case_id == case_id] if case_id is not None else []
    with services.db.reading() as session:
        found = fetch_page(session, DOSSIERS, actor.tenant_id, conditions, page)
        return page_json(found, [dossier_item(row) for row in found.rows])
