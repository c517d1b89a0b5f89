"""The list of deliveries (``GET /v1/deliveries``): newest first, keyset-paginated (``use_cases.listing``),
filtered by status, channel and notice. Items leave out the facts and evidence, which
``GET /v1/deliveries/{id}`` answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement

from notice_service.db.models.delivery import Delivery
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.json_values import iso_or_none
from notice_service.use_cases.listing import Keyset, PageRequest, fetch_page, page_json

DELIVERIES = Keyset("deliveries", Delivery, Delivery.created_at)


@dataclass(frozen=True)
class DeliveryFilters:
    status: str | None = None
    channel: str | None = None
    notice_id: str | None = None


def delivery_item(delivery: Delivery) -> dict[str, Any]:
    """A delivery as listed: its channel, provider, current status and tracking."""
    return {
        "id": delivery.id,
        "notice_id": delivery.notice_id,
        "channel": delivery.channel,
        "provider": delivery.provider,
        "status": delivery.status,
        "status_at": iso_or_none(delivery.status_at),
        "tracking_number": delivery.tracking_number,
        "created_at": iso_or_none(delivery.created_at),
    }


def list_deliveries(services: Services, actor: Actor, filters: DeliveryFilters, page: PageRequest) -> dict[str, Any]:
    """A page of the tenant's deliveries matching ``filters``."""
    conditions: list[ColumnElement[bool]] = []
    if filters.status is not None:
        conditions.append(Delivery.status == filters.status)
    if filters.channel is not None:
        conditions.append(Delivery.channel == filters.channel)
    if filters.notice_id is not None:
        conditions.append(Delivery.notice_id == filters.notice_id)
    with services.db.reading() as session:
        found = fetch_page(session, DELIVERIES, actor.tenant_id, conditions, page)
        return page_json(found, [delivery_item(row) for row in found.rows])
