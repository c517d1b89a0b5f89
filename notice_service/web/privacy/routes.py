"""``GET /v1/privacy/purgeable`` (the dry run), ``POST /v1/debtors/{id}/purge`` (admin) and
``GET /v1/debtors/{id}/export`` (the right of access: a ZIP). Another tenant's debtor is 404."""

from __future__ import annotations

from flask import Blueprint, Response, request
from pydantic import ValidationError

from notice_service.errors import FieldError, InvalidInput
from notice_service.use_cases.privacy.export import export_debtor
from notice_service.use_cases.privacy.purge import purge_debtor, purgeable
from notice_service.web.context import actor, services
from notice_service.web.idempotency import idempotent
from notice_service.web.openapi import operation
from notice_service.web.privacy.schemas import PurgeableList, PurgeableQuery, PurgeOut
from notice_service.web.responses import json_response

privacy = Blueprint("privacy", __name__, url_prefix="/v1")


def _query() -> PurgeableQuery:
    """``before`` from the query string; each bad, repeated or unknown parameter named."""
    repeated = [name for name in request.args if len(request.args.getlist(name)) > 1]
    if repeated:
        errors = [FieldError(name, "give this parameter once") for name in repeated]
        raise InvalidInput("The query has invalid parameters.", errors=errors)
    try:
        return PurgeableQuery.model_validate(request.args.to_dict())
    except ValidationError as error:
        found = []
        for item in error.errors(include_url=False):
            name = str(item["loc"][0]) if item["loc"] else "query"
            unknown = item["type"] == "extra_forbidden"
            found.append(FieldError(name, "unknown parameter; the only one is before" if unknown else item["msg"]))
        raise InvalidInput("The query has invalid parameters.", errors=found) from None


@operation(
    privacy,
    "/privacy/purgeable",
    "GET",
    "List the debtors whose personal data may be purged, each case and why (nothing changes)",
    query_model=PurgeableQuery,
    response_model=PurgeableList,
)
def list_purgeable() -> Response:
    query = _query()
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
