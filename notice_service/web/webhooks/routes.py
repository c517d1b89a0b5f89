"""Outbound webhooks: ``/v1/webhooks/subscriptions`` (create — the ``whsec_`` secret is answered once —, list,
delete), ``GET /v1/webhooks/deliveries?subscription_id=`` (the delivery log, every attempt) and
``POST /v1/webhooks/deliveries/{id}/replay``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from pydantic import BaseModel, Field

from notice_service.domain.webhook_events import MAX_URL_LENGTH, EventType
from notice_service.use_cases.webhooks.dispatch import replay_delivery
from notice_service.use_cases.webhooks.subscriptions import (
    SubscriptionInput,
    create_subscription,
    delete_subscription,
    list_deliveries,
    list_subscriptions,
)
from notice_service.web.context import actor, services
from notice_service.web.idempotency import idempotent
from notice_service.web.openapi import operation, parse_json
from notice_service.web.responses import json_response
from notice_service.web.schemas import Strict

webhooks = Blueprint("webhooks", __name__, url_prefix="/v1/webhooks")


class SubscriptionCreate(Strict):
    url: str = Field(min_length=1, max_length=MAX_URL_LENGTH, description="http(s) endpoint receiving the events")
    event_types: list[EventType] = Field(min_length=1, max_length=len(EventType))
    description: str | None = Field(default=None, max_length=200)


class SubscriptionOut(BaseModel):
    id: str
    url: str
    event_types: list[str]
    description: str | None
    created_at: str


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="whsec_… signing secret (Standard Webhooks); shown only in this answer")


class SubscriptionList(BaseModel):
    items: list[SubscriptionOut]


class WebhookDeliveryOut(BaseModel):
    id: str
    subscription_id: str
    event_id: str = Field(description="the webhook-id header, the same on every attempt")
    event_type: str
    status: str = Field(description="pending | succeeded | failed")
    attempt_count: int
    next_attempt_at: str | None
    last_error: str | None
    created_at: str
    completed_at: str | None
    attempts: list[dict[str, Any]]


class WebhookDeliveryQuery(BaseModel):
    """``GET /v1/webhooks/deliveries``: optionally one subscription's deliveries."""

    subscription_id: str | None = None


class WebhookDeliveryList(BaseModel):
    items: list[WebhookDeliveryOut]


@operation(
    webhooks,
    "/subscriptions",
    "POST",
    "Subscribe a URL to event types (the signing secret is shown once)",
    request_model=SubscriptionCreate,
    response_model=SubscriptionCreated,
    status=201,
    idempotent=True,
    creates="subscription_id",
    scope="admin",
)
@idempotent
def create_webhook_subscription() -> Response:
    body = parse_json(SubscriptionCreate)
    created = create_subscription(
        services(), actor(), SubscriptionInput(body.url, tuple(body.event_types), body.description)
    )
    return json_response(SubscriptionCreated, created, 201, f"/v1/webhooks/subscriptions/{created['id']}")


@operation(webhooks, "/subscriptions", "GET", "List the webhook subscriptions", response_model=SubscriptionList)
def list_webhook_subscriptions() -> Response:
    return json_response(SubscriptionList, {"items": list_subscriptions(services(), actor())})


@operation(
    webhooks, "/subscriptions/<subscription_id>", "DELETE", "Delete a webhook subscription", status=204, scope="admin"
)
def delete_webhook_subscription(subscription_id: str) -> Response:
    delete_subscription(services(), actor(), subscription_id)
    return Response(status=204)


@operation(
    webhooks,
    "/deliveries",
    "GET",
    "The delivery log, newest first (optionally ?subscription_id=), with every attempt",
    response_model=WebhookDeliveryList,
    query_model=WebhookDeliveryQuery,
)
def list_webhook_deliveries() -> Response:
    subscription_id = request.args.get("subscription_id") or None
    return json_response(WebhookDeliveryList, {"items": list_deliveries(services(), actor(), subscription_id)})


@operation(
    webhooks,
    "/deliveries/<webhook_delivery_id>/replay",
    "POST",
    "Send a delivery again (same webhook-id and body, a fresh three-day retry window)",
    response_model=WebhookDeliveryOut,
    status=202,
)
def replay_webhook_delivery(webhook_delivery_id: str) -> Response:
    return json_response(WebhookDeliveryOut, replay_delivery(services(), actor(), webhook_delivery_id), 202)
