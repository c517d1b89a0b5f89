"""Schemas of the delivery list (``GET /v1/deliveries``; pydantic, the OpenAPI document is generated from
them). The other delivery schemas live beside their routes (``web/delivery/routes.py``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from notice_service.domain.delivery.facts import Channel
from notice_service.web.listing import IdFilter, ListQuery, PageOut

DeliveryStatus = Literal[
    "created",
    "queued",
    "submitted",
    "deposited",
    "in_transit",
    "first_presented",
    "delivered",
    "unclaimed",
    "refused",
    "address_error",
    "returned",
    "accepted",
    "rejected",
    "expired",
    "failed",
    "cancelled",
]
"""``queued`` while the worker has not yet submitted it to its provider (e-mail, Merci Facteur); ``created`` until
a first fact, then the kind of the latest fact (``domain.delivery.facts.FactKind``)."""


class DeliveryListQuery(ListQuery):
    status: DeliveryStatus | None = None
    channel: Channel | None = None
    notice_id: IdFilter | None = None


class DeliveryItem(BaseModel):
    id: str
    notice_id: str
    channel: str
    provider: str
    status: str
    status_at: str | None
    tracking_number: str | None
    created_at: str | None


class DeliveryPage(PageOut):
    data: list[DeliveryItem]
