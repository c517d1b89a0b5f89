"""The daily run: the worker plans each tenant's run once a day, at the tenant's ``run_at`` (Paris time).

The day is claimed with one conditional ``UPDATE`` (``last_scheduled_on`` moves to today only if it was
earlier), so with several workers exactly one plans it; a planning that fails is logged and not retried that
day (the next day's run catches up: a step past its date goes out at the next run).
"""

from __future__ import annotations

import logging

from sqlalchemy import or_, select, update

from notice_service.db.models.dunning import DunningSettings
from notice_service.domain.deadlines import PARIS
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.dunning.planning import plan_run

log = logging.getLogger(__name__)


def plan_scheduled_runs(services: Services) -> int:
    """Plan the runs whose time has come today; answers how many were planned."""
    local = services.clock.now().astimezone(PARIS)
    today, hhmm = local.date(), local.strftime("%H:%M")
    with services.db.reading() as session:
        due = (
            session.execute(
                select(DunningSettings.tenant_id).where(
                    DunningSettings.run_at.is_not(None),
                    DunningSettings.run_at <= hhmm,
                    or_(DunningSettings.last_scheduled_on.is_(None), DunningSettings.last_scheduled_on < today),
                )
            )
            .scalars()
            .all()
        )
    planned = 0
    for tenant_id in due:
        with services.db.transaction() as session:
            result = session.execute(
                update(DunningSettings)
                .where(
                    DunningSettings.tenant_id == tenant_id,
                    or_(DunningSettings.last_scheduled_on.is_(None), DunningSettings.last_scheduled_on < today),
                )
                .values(last_scheduled_on=today)
            )
        if getattr(result, "rowcount", 0) != 1:
            continue
        try:
            plan_run(services, Actor(tenant_id=tenant_id, kind="worker", id="dunning-schedule"), today, "schedule")
            planned += 1
        except Exception:  # one tenant's failure must not stop the others' runs
            log.exception("the scheduled dunning run of tenant %s failed", tenant_id)
    return planned
