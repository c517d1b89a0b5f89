"""Schemas of the dossier list (``GET /v1/dossiers``; pydantic, the OpenAPI document is generated from them).
The export and read schemas live beside their routes (``web/dossiers/routes.py``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from notice_service.web.listing import IdFilter, ListQuery, PageOut


class DossierListQuery(ListQuery):
    case_id: IdFilter | None = None


class DossierItem(BaseModel):
    id: str
    case_id: str
    archive_name: str
    sha256: str
    size: int
    findings: dict[str, Any]
    created_at: str | None


class DossierPage(PageOut):
    data: list[DossierItem]
