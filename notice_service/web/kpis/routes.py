"""``GET /v1/kpis?from=&to=``: DSO, recovery rate, steps that get paid, reminders per paid invoice, aging."""

from __future__ import annotations

from flask import Blueprint, Response

from notice_service.use_cases.kpis.report import kpis as compute_kpis
from notice_service.web.context import actor, services
from notice_service.web.kpis.schemas import KpiQuery, KpisOut
from notice_service.web.listing import parse_query
from notice_service.web.openapi import operation
from notice_service.web.responses import json_response

kpis = Blueprint("kpis", __name__, url_prefix="/v1/kpis")


@operation(kpis, "", "GET", 'Measures of the period (README "KPIs")', query_model=KpiQuery, response_model=KpisOut)
def read_kpis() -> Response:
    query = parse_query(KpiQuery)
    return json_response(KpisOut, compute_kpis(services(), actor(), query.from_, query.to))
