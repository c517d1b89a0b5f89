"""The worker's periodic deadline step: a mise en demeure whose deadline date has passed (Europe/Paris) is
marked expired, audited (``notice:deadline_expired``) and announced (``deadline.expired``), once."""

from __future__ import annotations

from sqlalchemy import select

from notice_service.db import audit_repository
from notice_service.db.models.delivery import NoticeDeadline
from notice_service.db.outbox import queue_event
from notice_service.domain.deadlines import PARIS
from notice_service.services import Services
from notice_service.use_cases.actor import Actor


def expire_deadlines(services: Services, limit: int = 100) -> int:
    """Mark the deadlines that ended before today; answers how many. Safe on several workers at once."""
    now = services.clock.now()
    today = now.astimezone(PARIS).date()
    with services.db.transaction() as session:
        due = list(
            session.execute(
                select(NoticeDeadline)
                .where(NoticeDeadline.expired_at.is_(None), NoticeDeadline.deadline_on < today)
                .order_by(NoticeDeadline.deadline_on)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).scalars()
        )
        for row in due:
            row.expired_at = now
            data = {"deadline_on": row.deadline_on.isoformat(), "receipt_on": row.receipt_on.isoformat()}
            record = Actor(row.tenant_id, "worker", "deadlines").record(
                "notice:deadline_expired", "notice", row.notice_id, data=data
            )
            audit_repository.append(session, row.tenant_id, [record], now)
            queue_event(
                session,
                tenant_id=row.tenant_id,
                topic="deadline.expired",
                payload={"notice_id": row.notice_id, **data},
                at=now,
            )
    return len(due)
