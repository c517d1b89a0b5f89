"""The tenant's event feed (``GET /v1/events``): the events the webhooks carry, as they were queued
(``db.outbox.queue_event`` stores each one in the business transaction).

Unlike the other lists the feed reads **oldest first**, so an integrator catching up after downtime replays
events in the order they happened: ``?since=`` the time of the last event it handled (inclusive; events are
identified by ``id``, the ``webhook-id`` of their deliveries, so one seen twice is recognised), then each
``next_cursor`` until it is ``null``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from notice_service.db.models.events import Event
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.listing import Keyset, PageRequest, fetch_page, page_json

EVENTS = Keyset("events", Event, Event.occurred_at, ascending=True)


@dataclass(frozen=True)
class EventFilters:
    type: str | None = None
    since: datetime | None = None


def event_json(event: Event) -> dict[str, Any]:
    """An event as its webhook carries it (``type``, ``timestamp``, ``data``), with its id."""
    return {"id": event.id, "type": event.type, "timestamp": event.occurred_at.isoformat(), "data": event.data}


def list_events(services: Services, actor: Actor, filters: EventFilters, page: PageRequest) -> dict[str, Any]:
    """A page of the tenant's events matching ``filters``, oldest first."""
    conditions: list[ColumnElement[bool]] = []
    if filters.type is not None:
        conditions.append(Event.type == filters.type)
    if filters.since is not None:
        conditions.append(Event.occurred_at >= filters.since)
    with services.db.reading() as session:
        found = fetch_page(session, EVENTS, actor.tenant_id, conditions, page)
        return page_json(found, [event_json(row) for row in found.rows])
