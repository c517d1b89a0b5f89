"""Run progress for ``/metrics``: the items of the runs still open, per state, and the runs per status.

Counted at scrape time from the database (two indexed ``GROUP BY`` queries), so the figures are exact whatever
the number of worker processes: a dashboard shows a month-end run's ``approved`` items draining into ``issued``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from notice_service.db.models.dunning import DunningRun, RunItem
from notice_service.services import Services

ITEM_STATES = ("proposed", "approved", "issued", "dispatched", "rejected", "skipped", "failed", "cancelled")
RUN_STATUSES = ("open", "completed", "cancelled")


@dataclass(frozen=True)
class RunProgress:
    open_items_by_state: dict[str, int]  # items of the runs not yet completed or cancelled (every state, 0 included)
    runs_by_status: dict[str, int]


def run_progress(services: Services) -> RunProgress:
    with services.db.reading() as session:
        items = session.execute(
            select(RunItem.state, func.count(RunItem.id))
            .join(DunningRun, DunningRun.id == RunItem.run_id)
            .where(DunningRun.status == "open")
            .group_by(RunItem.state)
        ).all()
        runs = session.execute(select(DunningRun.status, func.count(DunningRun.id)).group_by(DunningRun.status)).all()
    by_state = dict.fromkeys(ITEM_STATES, 0) | {str(state): int(n) for state, n in items}
    by_status = dict.fromkeys(RUN_STATUSES, 0) | {str(status): int(n) for status, n in runs}
    return RunProgress(by_state, by_status)
