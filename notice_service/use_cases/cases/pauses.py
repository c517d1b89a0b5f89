"""Which cases are paused on a day: the one question the dunning run asks of promises and manual pauses.

The promise and pause use cases (``POST /v1/cases/{id}/promises``, ``…/pauses``) write ``case_pauses`` rows;
the run calls ``active_pauses`` once per planning and skips every case it names, with the pause as the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from notice_service.db.models.pauses import CasePause


@dataclass(frozen=True)
class ActivePause:
    pause_id: str
    case_id: str
    kind: str  # "promise" | "manual"
    until: date  # the dunning resumes on this day unless the pause ends earlier


def in_force(tenant_id: str, on: date) -> tuple[ColumnElement[bool], ...]:
    """The conditions a tenant's pause in force on ``on`` meets (the run item's re-check asks ``exists``)."""
    return (
        CasePause.tenant_id == tenant_id,
        CasePause.ended_at.is_(None),
        CasePause.starts_on <= on,
        CasePause.until > on,
    )


def active_pauses(
    session: Session, tenant_id: str, on: date, case_ids: Iterable[str] | None = None
) -> dict[str, ActivePause]:
    """The tenant's cases paused on ``on`` (optionally among ``case_ids``), each with the pause ending last."""
    columns = (CasePause.id, CasePause.case_id, CasePause.kind, CasePause.until)  # rows, not entities: faster
    query = select(*columns).where(*in_force(tenant_id, on))
    if case_ids is not None:
        query = query.where(CasePause.case_id.in_(list(case_ids)))
    paused: dict[str, ActivePause] = {}
    for pause_id, case_id, kind, until in session.execute(query.order_by(CasePause.until)):
        paused[case_id] = ActivePause(pause_id, case_id, kind, until)
    return paused
