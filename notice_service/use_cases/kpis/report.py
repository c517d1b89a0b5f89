"""``kpis(services, actor, start, end)``: every measure of the period in one read transaction (README "KPIs")."""

from __future__ import annotations

from datetime import date
from typing import Any

from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.kpis.balances import aging, dso, sales
from notice_service.use_cases.kpis.period import money, period_of
from notice_service.use_cases.kpis.recovery import recovery
from notice_service.use_cases.kpis.steps import reminders_per_paid_invoice, step_shares


def kpis(services: Services, actor: Actor, start: date | None, end: date | None) -> dict[str, Any]:
    period = period_of(start, end, services.clock.now())
    with services.db.reading() as session:
        aged = aging(session, actor.tenant_id, period)
        invoiced = sales(session, actor.tenant_id, period)
        return {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "dso": dso(aged["total_cents"], invoiced, period),
            "recovery": recovery(session, actor.tenant_id, period),
            "steps": step_shares(session, actor.tenant_id, period),
            "reminders": reminders_per_paid_invoice(session, actor.tenant_id, period),
            "aging": {"at": period.end.isoformat(), "buckets": aged["buckets"], "total": money(aged["total_cents"])},
        }
