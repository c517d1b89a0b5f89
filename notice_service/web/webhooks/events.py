"""``/v1/events``: the tenant's event feed, the events the webhooks carry, oldest first
(``use_cases.webhooks.events``), so an integrator can catch up after downtime without webhooks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response
from pydantic import BaseModel, Field, field_validator

from notice_service.domain.webhook_events import EventType
from notice_service.use_cases.webhooks.events import EventFilters, list_events
from notice_service.web.context import actor, services
from notice_service.web.listing import IsoDateTime, ListQuery, PageOut, parse_query
from notice_service.web.openapi import operation
from notice_service.web.responses import json_response

events = Blueprint("events", __name__, url_prefix="/v1/events")


class EventListQuery(ListQuery):
    type: EventType | None = None
    since: IsoDateTime | None = Field(
        default=None,
        description="events at or after this time, with its offset (e.g. 2026-11-20T09:30:00Z)",
    )

    @field_validator("since")
    @classmethod
    def _in_utc_range(cls, value: datetime | None) -> datetime | None:
        """A time whose offset pushes it outside years 1–9999 in UTC cannot be compared: refused."""
        try:
            return None if value is None else value.astimezone(UTC)
        except OverflowError:
            raise ValueError("out of range once converted to UTC") from None


class EventItem(BaseModel):
    id: str = Field(description="the webhook-id of the event's webhook deliveries")
    type: str
    timestamp: str
    data: dict[str, Any]


class EventPage(PageOut):
    data: list[EventItem]


@operation(events, "", "GET", "List the tenant's events", query_model=EventListQuery, response_model=EventPage)
def list_events_route() -> Response:
    """The tenant's events, oldest first, filtered by type and time."""
    who = actor()
    query = parse_query(EventListQuery)
    filters = EventFilters(type=query.type, since=query.since)
    return json_response(EventPage, list_events(services(), who, filters, query.page()))
