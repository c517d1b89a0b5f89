"""``GET /v1/privacy/purgeable`` (the dry run), ``POST /v1/debtors/{id}/purge`` (admin) and
``GET /v1/debtors/{id}/export`` (the right of access: a ZIP). Another tenant's debtor is 404."""

from __future__ import annotations

from flask import Blueprint, Response

from notice_service.use_cases.privacy.export import export_debtor
from notice_service.use_cases.privacy.purge import purge_debtor, purgeable
from notice_service.web.context import actor, services
from notice_service.web.idempotency import idempotent
from notice_service.web.listing import parse_query
from notice_service.web.openapi import operation
from notice_service.web.privacy.schemas import PurgeableList, PurgeableQuery, PurgeOut
from notice_service.web.responses import json_response

privacy = Blueprint("privacy", __name__, url_prefix="/v1")


@operation(
    privacy,
    "/privacy/purgeable",
    "GET",
    "List the debtors whose personal data may be purged, each case and why (nothing changes)",
    query_model=PurgeableQuery,
    response_model=PurgeableList,
)
def list_purgeable() -> Response:
    query = parse_query(PurgeableQuery)
    return json_response(PurgeableList, {"data": purgeable(services(), actor().tenant_id, query.before)})


@operation(
    privacy,
    "/debtors/<debtor_id>/purge",
    "POST",
    "Purge a debtor's personal data once its cases are closed and prescribed (admin); letters stay locked",
    response_model=PurgeOut,
    idempotent=True,
    scope="admin",
)
@idempotent
def purge_debtor_personal_data(debtor_id: str) -> Response:
    return json_response(PurgeOut, purge_debtor(services(), actor(), debtor_id).as_json())


@operation(
    privacy,
    "/debtors/<debtor_id>/export",
    "GET",
    "Export everything held about a debtor (JSON and the letters' PDFs) as a ZIP (audited)",
    response_media="application/zip",
)
def export_debtor_personal_data(debtor_id: str) -> Response:
    exported = export_debtor(services(), actor(), debtor_id)
    response = Response(exported.data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{exported.name}"'
    response.headers["X-Content-SHA256"] = exported.sha256
    return response
