"""Helpers for the promise, pause and call tests: a case with one invoice, the clock moved, what
``active_pauses`` names, the case's audit actions and outbox topics."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from notice_service.adapters.system_clock import FixedClock
from notice_service.domain.deadlines import PARIS
from notice_service.services import Services
from notice_service.use_cases.cases.pauses import active_pauses
from tests.functional.conftest import Api
from tests.functional.lifecycle_support import actions, case, debtor, invoice, tenant_id, topics


def open_case(api: Api, amount: str = "1000.00", number: str = "F-1") -> tuple[str, str]:
    """A case of one overdue invoice of ``amount``: (case id, invoice id)."""
    d = debtor(api)
    inv = invoice(api, d, number, amount)
    return case(api, d, inv), inv


def move_to(services: Services, moment: datetime) -> None:
    clock = services.clock
    assert isinstance(clock, FixedClock)
    clock.advance(moment - clock.now())


def today(services: Services) -> date:
    return services.clock.now().astimezone(PARIS).date()


def paused(services: Services, api: Api, on: date) -> dict[str, str]:
    """case id → the kind of the pause ``active_pauses`` names on ``on``."""
    with services.db.reading() as session:
        return {k: p.kind for k, p in active_pauses(session, tenant_id(api), on).items()}


def case_actions(services: Services, api: Api, case_id: str) -> list[dict[str, Any]]:
    """The case's audit records (action and data), in order."""
    return [
        {"action": r["action"], **(r.get("data") or {})}
        for r in actions(services, tenant_id(api))
        if r["subject"] == {"type": "case", "id": case_id}
    ]


def case_topics(services: Services, api: Api, case_id: str) -> list[tuple[str, dict[str, Any]]]:
    return [(t, p) for t, p in topics(services, tenant_id(api)) if p.get("case_id") == case_id]


def pay(api: Api, invoice_id: str, amount: str, paid_on: str = "2026-11-20") -> None:
    paid = api.post(f"/v1/invoices/{invoice_id}/payments", {"amount": amount, "paid_on": paid_on})
    assert paid.status_code == 201, paid.json


def at_paris(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=PARIS)


def pause_json_list(api: Api, case_id: str, which: str) -> list[dict[str, Any]]:
    """``GET /v1/cases/{id}/promises`` or ``…/pauses``: the data."""
    listed = api.get(f"/v1/cases/{case_id}/{which}")
    assert listed.status_code == 200, listed.json
    return list(listed.json["data"])
