"""``/v1/payments``: the payments recorded for the tenant (each is recorded on its invoice:
``POST /v1/invoices/{id}/payments``)."""

from __future__ import annotations

from flask import Blueprint, Response

from notice_service.use_cases.claims.listing import list_payments
from notice_service.web.claims.schemas import PaymentListQuery, PaymentPage
from notice_service.web.context import actor, services
from notice_service.web.listing import parse_query
from notice_service.web.openapi import operation
from notice_service.web.responses import json_response

payments = Blueprint("payments", __name__, url_prefix="/v1/payments")


@operation(payments, "", "GET", "List payments", query_model=PaymentListQuery, response_model=PaymentPage)
def list_payments_route() -> Response:
    """The tenant's payments, newest recorded first, optionally of one invoice."""
    who = actor()
    query = parse_query(PaymentListQuery)
    return json_response(PaymentPage, list_payments(services(), who, query.invoice_id, query.page()))
