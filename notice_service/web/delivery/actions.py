"""A provider's price before sending (``GET /v1/notices/{id}/delivery-quote?channel=&provider=``) and cancelling a
submitted letter (``POST /v1/deliveries/{id}/cancel``); see ``use_cases/delivery/quote_cancel.py``.

The quote is asked on the notice, before any delivery exists, rather than on a queued delivery: a queued
delivery is handed to the provider by the worker within moments, so its "price before sending" would race the
sending. The quote answers what ``POST /v1/notices/{id}/deliveries`` with the same channel and provider would
be charged.
"""

from __future__ import annotations

from flask import Blueprint, Response
from pydantic import BaseModel, Field

from notice_service.domain.delivery.facts import Channel, Provider
from notice_service.use_cases.delivery.dispatch import DispatchRequest
from notice_service.use_cases.delivery.queries import get_delivery
from notice_service.use_cases.delivery.quote_cancel import cancel_delivery, quote_dispatch
from notice_service.web.context import actor, services
from notice_service.web.delivery.routes import DeliveryOut
from notice_service.web.idempotency import idempotent
from notice_service.web.listing import parse_query
from notice_service.web.openapi import operation
from notice_service.web.responses import json_response
from notice_service.web.schemas import Strict

delivery_actions = Blueprint("delivery_actions", __name__)


class QuoteQuery(Strict):
    channel: Channel
    provider: Provider
    recipient_email: str | None = Field(default=None, max_length=254, description="as for the dispatch")


class QuoteOut(BaseModel):
    notice_id: str
    channel: str
    provider: str
    amount: str = Field(description="what the provider would charge, tax included")
    currency: str


@operation(
    delivery_actions,
    "/v1/notices/<notice_id>/delivery-quote",
    "GET",
    "What the provider would charge to dispatch this notice on this channel (nothing is sent)",
    response_model=QuoteOut,
    query_model=QuoteQuery,
)
def quote_delivery(notice_id: str) -> Response:
    channels, providers = ", ".join(c.value for c in Channel), ", ".join(p.value for p in Provider)
    detail = f"The query has invalid parameters: channel ({channels}) and provider ({providers})."
    query = parse_query(QuoteQuery, detail)
    asked = DispatchRequest(notice_id, query.channel, query.provider, recipient_email=query.recipient_email)
    answer = quote_dispatch(services(), actor(), asked)
    body = {
        "notice_id": answer.notice_id,
        "channel": answer.channel,
        "provider": answer.provider,
        "amount": str(answer.amount),
        "currency": answer.currency,
    }
    return json_response(QuoteOut, body)


@operation(
    delivery_actions,
    "/v1/deliveries/<delivery_id>/cancel",
    "POST",
    "Cancel a submitted letter while its provider allows it (409 not-cancellable after)",
    response_model=DeliveryOut,
    idempotent=True,
)
@idempotent
def cancel_delivery_route(delivery_id: str) -> Response:
    cancel_delivery(services(), actor(), delivery_id)
    return json_response(DeliveryOut, get_delivery(services(), actor(), delivery_id))
