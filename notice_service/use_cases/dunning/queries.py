"""Reading runs: a run with its counts per state, its progress (items per second since the first issue, the
estimated time left for the approved items) and its per-item errors; a run's items; the tenant's runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from notice_service.db.models.dunning import DunningRun, RunItem
from notice_service.db.tenant_scope import get_owned
from notice_service.errors import NotFound
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.dunning.progress import state_counts

STATES = ("proposed", "approved", "rejected", "issued", "dispatched", "failed", "skipped", "cancelled")
MOVED = ("issued", "dispatched", "failed", "skipped")


def _progress(services: Services, run: DunningRun, counts: dict[str, int]) -> dict[str, Any]:
    done = sum(counts.get(state, 0) for state in MOVED)
    left = counts.get("approved", 0)
    rate: float | None = None
    if run.first_issued_at is not None and done > 1:  # the first issue starts the clock
        end = run.completed_at or services.clock.now()
        seconds = max((end - run.first_issued_at).total_seconds(), 0.001)
        rate = round((done - 1) / seconds, 3)
    eta = round(left / rate, 1) if rate else None
    return {
        "items_per_second": rate,
        "estimated_seconds_left": eta if left else 0.0,
        "waiting_approval": counts.get("proposed", 0),
    }


def run_view(services: Services, actor: Actor, run_id: str) -> dict[str, Any]:
    with services.db.reading() as session:
        run = get_owned(session, DunningRun, actor.tenant_id, run_id)
        counts = state_counts(session, run.id)
        failed = session.execute(
            select(RunItem.id, RunItem.case_id, RunItem.reason)
            .where(RunItem.run_id == run.id, RunItem.state == "failed")
            .order_by(RunItem.created_at, RunItem.id)
            .limit(100)
        ).all()
        return {
            "id": run.id,
            "as_of": run.as_of,
            "status": run.status,
            "trigger": run.trigger,
            "created_at": run.created_at,
            "completed_at": run.completed_at,
            "planning_seconds": run.planning_ms / 1000,
            "total": sum(counts.values()),
            "counts": {state: counts.get(state, 0) for state in STATES},
            "progress": _progress(services, run, counts),
            "errors": [{"item_id": i, "case_id": c, "reason": r or ""} for i, c, r in failed],
        }


def item_view(item: RunItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "case_id": item.case_id,
        "debtor_id": item.debtor_id,
        "action": item.action,
        "channel": item.channel,
        "mode": item.mode,
        "step_index": item.step_index,
        "plan_id": item.plan_id,
        "plan_version": item.plan_version,
        "due_on": item.due_on,
        "invoice_ids": list(item.invoice_ids),
        "state": item.state,
        "reason": item.reason,
        "notice_id": item.notice_id,
        "preview": f"/v1/notices/{item.notice_id}/pdf" if item.notice_id else None,
        "delivery_id": item.delivery_id,
    }


def run_items(services: Services, actor: Actor, run_id: str, state: str | None, limit: int) -> list[dict[str, Any]]:
    with services.db.reading() as session:
        run = get_owned(session, DunningRun, actor.tenant_id, run_id)
        query = select(RunItem).where(RunItem.run_id == run.id)
        if state is not None:
            query = query.where(RunItem.state == state)
        rows = session.execute(query.order_by(RunItem.created_at, RunItem.id).limit(limit)).scalars()
        return [item_view(row) for row in rows]


def list_runs(services: Services, actor: Actor, limit: int) -> list[dict[str, Any]]:
    with services.db.reading() as session:
        ids = (
            session.execute(
                select(DunningRun.id)
                .where(DunningRun.tenant_id == actor.tenant_id)
                .order_by(DunningRun.created_at.desc(), DunningRun.id.desc())
                .limit(limit)
            )
            .scalars()
            .all()
        )
    return [run_view(services, actor, run_id) for run_id in ids]


def run_tenant(services: Services, run_id: str) -> str:
    """The tenant of ``run_id`` (the operator's command names a run, not its tenant)."""
    with services.db.reading() as session:
        tenant_id = session.execute(select(DunningRun.tenant_id).where(DunningRun.id == run_id)).scalar()
    if tenant_id is None:
        raise NotFound(f"No run with id {run_id}.", extra={"resource": "run", "id": run_id})
    return str(tenant_id)
