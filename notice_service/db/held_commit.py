"""Holding a request's last commit so that what the client is answered commits with it.

``Database.holding()`` (the ``@idempotent`` routes, ``use_cases/idempotency.py``) changes two things for the
code that runs inside it, in this thread only (a context variable):

* ``Database.transaction()`` flushes its block but does not commit it: the session is *held* (a block that
  wrote nothing, such as a locking read, commits at once: held, its locks would wait for the next one). The next
  ``transaction()`` commits the held one first (use cases with several transactions keep their order), and
  ``reading()`` reads through the held session, so the response is built from what will be committed.
* ``Database.commit_held(write)`` runs ``write`` (saving the response on the idempotency key) in the held
  session and commits both in one ``COMMIT``; without a held session, in a transaction of its own.

A crash before that commit loses the effect and the response together; after it, both are there: a retry
replays the saved response, never a "still in progress" 409 for an effect that happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from notice_service.faults import crash_point


@dataclass
class Hold:
    session: Session | None = None


_current: ContextVar[Hold | None] = ContextVar("notice_held_commit", default=None)
_WROTE = "notice_held_commit_wrote"


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: object) -> None:
    mark_written(session)


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if not state.is_select:  # an INSERT, UPDATE or DELETE statement, or a text() one (counted as a write)
        mark_written(state.session)


def mark_written(session: Session) -> None:
    """For writes left to the commit itself (``audit_repository``'s queued records): the block is not empty."""
    session.info[_WROTE] = True


def _wrote(session: Session) -> bool:
    """Whether the transaction changed anything: a flush, a write statement, or a ``mark_written``."""
    return bool(session.info.get(_WROTE))


def current() -> Hold | None:
    return _current.get()


@contextmanager
def holding() -> Iterator[Hold]:
    """Hold the last transaction until ``commit_held``; whatever is still held at the end is rolled back."""
    hold = Hold()
    token = _current.set(hold)
    try:
        yield hold
    finally:
        _current.reset(token)
        if hold.session is not None:
            hold.session.rollback()
            hold.session.close()
            hold.session = None


def commit(session: Session) -> None:
    """The one place a write session commits: the fault points around it, then the session closed."""
    crash_point("before-commit")
    session.commit()
    crash_point("after-commit")


def release(hold: Hold) -> None:
    """Commit the held session (if any) on its own."""
    if hold.session is not None:
        session, hold.session = hold.session, None
        try:
            commit(session)
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


@contextmanager
def held_transaction(hold: Hold, sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction whose commit is held: the previous held one commits first; a failure rolls back."""
    release(hold)
    session = sessions()
    session.begin()
    try:
        yield session
        session.flush()
        if not _wrote(session):
            commit(session)  # nothing to keep with the response: release its locks now
            session.close()
            return
    except BaseException:
        session.rollback()
        session.close()
        raise
    hold.session = session


def commit_held(hold: Hold | None, sessions: sessionmaker[Session], write: Callable[[Session], None]) -> None:
    """``write`` and the held effect in one commit (or ``write`` alone when nothing is held)."""
    if hold is not None and hold.session is not None:
        session, hold.session = hold.session, None
    else:
        session = sessions()
        session.begin()
    try:
        write(session)
        commit(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
