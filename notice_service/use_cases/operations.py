"""What an operator's probes and scrapes ask: is each dependency up, how deep is the outbox, how many letters.

``readiness`` checks the database (``SELECT 1``) and the document store (a HEAD of a key no document uses:
"not found" proves the endpoint answers and accepts our credentials; S3's full health check, which writes a
locked canary, is ``init``'s). ``queue_figures`` reads the outbox and the issued notices across all tenants;
both are cheap enough for a scrape every 15 s (indexed counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from notice_service.db.models.notices import Notice
from notice_service.db.models.outbox import OutboxMessage
from notice_service.errors import DocumentNotFound, NoticeError
from notice_service.services import Services

PROBE_KEY = "health/readiness-probe"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class QueueFigures:
    outbox_depth: int  # messages not yet done (waiting, leased or backing off after a failure)
    oldest_age_seconds: float  # age of the oldest of them; 0 when the outbox is empty
    issued_by_kind: dict[str, int]


def _check_database(services: Services) -> Check:
    try:
        with services.db.reading() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return Check(
            "database", False, f"cannot query the database: {type(getattr(exc, 'orig', None) or exc).__name__}"
        )
    return Check("database", True, "ok")


def _check_store(services: Services) -> Check:
    try:
        services.store.stat(PROBE_KEY)
    except DocumentNotFound:
        return Check("store", True, "ok")
    except NoticeError as exc:
        return Check("store", False, exc.detail)
    return Check("store", True, "ok")


def readiness(services: Services) -> list[Check]:
    """The database's and the store's state, in that order."""
    return [_check_database(services), _check_store(services)]


def _age(now: datetime, oldest: datetime | None) -> float:
    return max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0


def queue_figures(services: Services) -> QueueFigures:
    pending = OutboxMessage.done_at.is_(None)
    with services.db.reading() as session:
        depth, oldest = session.execute(
            select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(pending)
        ).one()
        issued = session.execute(
            select(Notice.kind, func.count(Notice.id)).where(Notice.status == "issued").group_by(Notice.kind)
        ).all()
    return QueueFigures(
        outbox_depth=int(depth),
        oldest_age_seconds=_age(services.clock.now(), oldest),
        issued_by_kind={kind: int(count) for kind, count in issued},
    )
