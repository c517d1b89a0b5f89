"""``notice_audit_append_seconds``: how long a transaction's audit append takes, up to its commit.

``db.audit_repository.append`` queues records in the session and writes them (seal, head lock, insert, on
PostgreSQL often in the ``COMMIT``'s own statement) just before the commit. A listener that runs before the
repository's own ``before_commit`` starts a timer when records are queued; ``after_commit`` observes it. The
figure is the latency an issuance pays for its audit record. Records written at once by ``append_now`` are
not timed.
"""

from __future__ import annotations

import time

from sqlalchemy import event
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.observability.metrics import AUDIT_APPEND_SECONDS

_STARTED = "observability.audit_append_started"
_QUEUED = audit_repository._QUEUE  # the session.info key under which append() queues its records


def _start(session: Session) -> None:
    if _QUEUED in session.info and not session.in_nested_transaction():
        session.info[_STARTED] = time.perf_counter()


def _observe(session: Session) -> None:
    started = session.info.pop(_STARTED, None)
    if started is not None:
        AUDIT_APPEND_SECONDS.observe(time.perf_counter() - started)


def _forget(session: Session) -> None:
    session.info.pop(_STARTED, None)


def install() -> None:
    """Listen on every session (idempotent: SQLAlchemy keeps one registration per function)."""
    if not event.contains(Session, "before_commit", _start):
        event.listen(Session, "before_commit", _start, insert=True)
        event.listen(Session, "after_commit", _observe)
        event.listen(Session, "after_rollback", _forget)
