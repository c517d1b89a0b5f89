"""Dunning plans of a tenant: create, read, change (a new version), the default plan, a debtor's plan, and the
tenant's dunning settings (minimum interval between contacts, working days only, the daily run's time).

Every tenant has the built-in default plan (``domain/dunning/plans.DEFAULT_STEPS``), created the first time it
is needed and then the tenant's to change. A change makes a new version: steps taken keep the version they
followed, and the next steps follow the new one. Every change is audited (``plan:created``, ``plan:updated``,
``dunning:settings_updated``, ``debtor:plan_assigned``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.claims import Debtor
from notice_service.db.models.dunning import DebtorPlan, DunningPlan, DunningPlanVersion, DunningSettings
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.dunning.plans import DEFAULT_PLAN_NAME, DEFAULT_STEPS, Step, parse_steps
from notice_service.errors import FieldError, InvalidInput, NotFound
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id

_RUN_AT = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def checked_steps(raw_steps: object) -> list[Step]:
    steps, problems = parse_steps(raw_steps)
    if problems:
        raise InvalidInput("The plan is not valid; nothing was saved.", errors=[FieldError(*p) for p in problems])
    return steps


def settings_row(session: Session, tenant_id: str, now: datetime) -> DunningSettings:
    """The tenant's dunning settings, created with the built-in default plan the first time."""
    row = session.get(DunningSettings, tenant_id)
    if row is None:
        plan = _add_plan(session, tenant_id, DEFAULT_PLAN_NAME, list(DEFAULT_STEPS), now)
        row = DunningSettings(
            tenant_id=tenant_id, default_plan_id=plan.id, min_interval_days=3, working_days_only=False
        )
        session.add(row)
        session.flush()
    return row


def _add_plan(session: Session, tenant_id: str, name: str, steps: list[Step], now: datetime) -> DunningPlan:
    rows = [step.as_json() for step in steps]
    plan = DunningPlan(
        id=new_id(), tenant_id=tenant_id, name=name, version=1, steps=rows, created_at=now, updated_at=now
    )
    session.add(plan)
    session.flush()
    session.add(DunningPlanVersion(plan_id=plan.id, version=1, steps=rows, created_at=now))
    return plan


def _checked_name(name: str) -> str:
    if not name.strip():
        raise InvalidInput("Name the plan.", errors=[FieldError("name", "empty")])
    return name.strip()


def create_plan(services: Services, actor: Actor, name: str, raw_steps: object, default: bool = False) -> str:
    steps, label = checked_steps(raw_steps), _checked_name(name)
    now = services.clock.now()
    with services.db.transaction() as session:
        settings = settings_row(session, actor.tenant_id, now)
        plan = _add_plan(session, actor.tenant_id, label, steps, now)
        if default:
            settings.default_plan_id = plan.id
        data = {"version": 1, "steps": len(steps), "default": default}
        audit_repository.append(
            session, actor.tenant_id, [actor.record("plan:created", "plan", plan.id, data=data)], now
        )
    return plan.id


def update_plan(services: Services, actor: Actor, plan_id: str, name: str, raw_steps: object, default: bool) -> None:
    """A new version of the plan (the steps taken keep theirs); ``default`` makes it the tenant's default."""
    steps, label = checked_steps(raw_steps), _checked_name(name)
    now = services.clock.now()
    with services.db.transaction() as session:
        settings = settings_row(session, actor.tenant_id, now)
        plan = get_owned(session, DunningPlan, actor.tenant_id, plan_id, lock=True)
        rows = [step.as_json() for step in steps]
        if rows != plan.steps:
            plan.version += 1
            session.add(DunningPlanVersion(plan_id=plan.id, version=plan.version, steps=rows, created_at=now))
        plan.name, plan.steps, plan.updated_at = label, rows, now
        if default:
            settings.default_plan_id = plan.id
        data = {"version": plan.version, "steps": len(steps), "default": default}
        audit_repository.append(
            session, actor.tenant_id, [actor.record("plan:updated", "plan", plan.id, data=data)], now
        )


def plan_view(plan: DunningPlan, default_plan_id: str | None) -> dict[str, Any]:
    return {
        "id": plan.id,
        "name": plan.name,
        "version": plan.version,
        "default": plan.id == default_plan_id,
        "steps": list(plan.steps),
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
    }


def get_plan(services: Services, actor: Actor, plan_id: str) -> dict[str, Any]:
    with services.db.transaction() as session:
        settings = settings_row(session, actor.tenant_id, services.clock.now())
        return plan_view(get_owned(session, DunningPlan, actor.tenant_id, plan_id), settings.default_plan_id)


def list_plans(services: Services, actor: Actor) -> list[dict[str, Any]]:
    """The tenant's plans, oldest first (the built-in default first); a tenant has few."""
    with services.db.transaction() as session:
        settings = settings_row(session, actor.tenant_id, services.clock.now())
        rows = session.execute(
            select(DunningPlan).where(DunningPlan.tenant_id == actor.tenant_id).order_by(DunningPlan.created_at)
        ).scalars()
        return [plan_view(row, settings.default_plan_id) for row in rows]


def _owned_plan(session: Session, tenant_id: str, plan_id: str, field: str = "plan_id") -> DunningPlan:
    try:
        return get_owned(session, DunningPlan, tenant_id, plan_id)
    except NotFound as exc:
        raise InvalidInput(exc.detail, errors=[FieldError(field, "no such plan for this tenant")]) from exc


def assign_debtor_plan(services: Services, actor: Actor, debtor_id: str, plan_id: str | None) -> None:
    """The plan the debtor follows (``None``: the tenant's default)."""
    now = services.clock.now()
    with services.db.transaction() as session:
        settings_row(session, actor.tenant_id, now)
        get_owned(session, Debtor, actor.tenant_id, debtor_id)
        row = session.get(DebtorPlan, debtor_id)
        if plan_id is None:
            if row is not None:
                session.delete(row)
        else:
            _owned_plan(session, actor.tenant_id, plan_id)
            if row is None:
                session.add(DebtorPlan(debtor_id=debtor_id, tenant_id=actor.tenant_id, plan_id=plan_id))
            else:
                row.plan_id = plan_id
        record = actor.record("debtor:plan_assigned", "debtor", debtor_id, data={"plan_id": plan_id})
        audit_repository.append(session, actor.tenant_id, [record], now)


def debtor_plan_id(services: Services, actor: Actor, debtor_id: str) -> dict[str, Any]:
    with services.db.transaction() as session:
        settings = settings_row(session, actor.tenant_id, services.clock.now())
        get_owned(session, Debtor, actor.tenant_id, debtor_id)
        row = session.get(DebtorPlan, debtor_id)
        chosen = row.plan_id if row is not None else settings.default_plan_id
        return {"debtor_id": debtor_id, "plan_id": chosen, "own": row is not None}


@dataclass(frozen=True)
class SettingsChange:
    min_interval_days: int | None = None
    working_days_only: bool | None = None
    run_at: str | None = None
    clear_run_at: bool = False
    default_plan_id: str | None = None


def settings_view(row: DunningSettings) -> dict[str, Any]:
    return {
        "default_plan_id": row.default_plan_id,
        "min_interval_days": row.min_interval_days,
        "working_days_only": row.working_days_only,
        "run_at": row.run_at,
    }


def read_settings(services: Services, actor: Actor) -> dict[str, Any]:
    with services.db.transaction() as session:
        return settings_view(settings_row(session, actor.tenant_id, services.clock.now()))


def update_settings(services: Services, actor: Actor, change: SettingsChange) -> dict[str, Any]:
    if change.run_at is not None and not _RUN_AT.match(change.run_at):
        raise InvalidInput("The daily run's time is HH:MM.", errors=[FieldError("run_at", "HH:MM, 00:00 to 23:59")])
    now = services.clock.now()
    with services.db.transaction() as session:
        row = settings_row(session, actor.tenant_id, now)
        if change.default_plan_id is not None:
            row.default_plan_id = _owned_plan(session, actor.tenant_id, change.default_plan_id, "default_plan_id").id
        if change.min_interval_days is not None:
            row.min_interval_days = change.min_interval_days
        if change.working_days_only is not None:
            row.working_days_only = change.working_days_only
        if change.run_at is not None or change.clear_run_at:
            row.run_at = change.run_at
        view = settings_view(row)
        record = actor.record("dunning:settings_updated", "tenant", actor.tenant_id, data=dict(view))
        audit_repository.append(session, actor.tenant_id, [record], now)
        return view
