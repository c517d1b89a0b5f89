"""``GET /v1/kpis?from=&to=``: DSO, recovery rate, steps that get paid, reminders per paid invoice, aging."""

from __future__ import annotations

from flask import Blueprint, Response, request
from pydantic import ValidationError

from notice_service.errors import FieldError, InvalidInput
from notice_service.use_cases.kpis.report import kpis as compute_kpis
from notice_service.web.context import actor, services
from notice_service.web.kpis.schemas import KpiQuery, KpisOut
from notice_service.web.openapi import operation
from notice_service.web.responses import json_response

kpis = Blueprint("kpis", __name__, url_prefix="/v1/kpis")


def _query() -> KpiQuery:
    """``from`` and ``to`` from the query string; each bad, repeated or unknown parameter named."""
    repeated = [name for name in request.args if len(request.args.getlist(name)) > 1]
    if repeated:
        raise InvalidInput(
            "The query has invalid parameters.", errors=[FieldError(n, "give it once") for n in repeated]
        )
    try:
        return KpiQuery.model_validate(request.args.to_dict())
    except ValidationError as error:
        found = []
        for item in error.errors(include_url=False):
            name = str(item["loc"][0]) if item["loc"] else "query"
            unknown = item["type"] == "extra_forbidden"
            found.append(FieldError(name, "unknown parameter; give from and to" if unknown else item["msg"]))
        raise InvalidInput("The query has invalid parameters.", errors=found) from None


@operation(kpis, "", "GET", 'Measures of the period (README "KPIs")', query_model=KpiQuery, response_model=KpisOut)
def read_kpis() -> Response:
    query = _query()
    return json_response(KpisOut, compute_kpis(services(), actor(), query.from_, query.to))
