"""Engines, the unit of work, and migrations to head.

SQLite (embedded profile) gets foreign keys, WAL, a busy timeout and ``BEGIN IMMEDIATE`` so writers are
serialised the way PostgreSQL's row lock on the audit head serialises them; read sessions begin DEFERRED
and see a consistent WAL snapshot without blocking writers.

PostgreSQL pooled connections are checked at checkout without a round trip (``_check_alive``): a connection
the server closed (restart, idle timeout, terminated backend) has a readable socket, and the pool replaces
it. ``pool_pre_ping`` would send a ``SELECT 1`` before every transaction instead: one more round trip, about
a fifth of the CPU a short transaction costs on both sides.
"""

from __future__ import annotations

import select
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from notice_service.db import held_commit

_MIGRATIONS = Path(__file__).parent / "migrations"
_SQLITE_BEGIN = "notice_sqlite_begin"


def _unicode_lower(text: str | None) -> str | None:
    """``lower()`` for SQLite, as PostgreSQL does it."""
    return None if text is None else text.lower()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        # SQLite's lower() folds ASCII only; PostgreSQL's folds every letter ("É" → "é"): searches must agree.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the lock at BEGIN (no deadlocked upgrades); readers get a WAL snapshot.
        mode = connection.get_execution_options().get(_SQLITE_BEGIN, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get their parent directory created."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    event.listen(engine, "checkout", _check_alive)
    return engine


def _check_alive(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Refuse a pooled connection the server has closed, so the pool opens a new one (``DisconnectionError``).

    An idle connection's socket only becomes readable when the server says something unasked: on shutdown
    or termination that is a FATAL error followed by end of file. Reading it marks the connection bad; a
    harmless message (a notice, a parameter change) leaves it good."""
    if dbapi_connection.closed or dbapi_connection.broken:
        raise DisconnectionError("connection closed")
    pgconn = dbapi_connection.pgconn
    try:
        for _ in range(8):  # the error message, then end of file (a read each); a live socket falls quiet
            readable, _, _ = select.select([pgconn.socket], [], [], 0)
            if not readable:
                break
            pgconn.consume_input()
    except (OSError, ValueError, psycopg.Error) as error:
        raise DisconnectionError(f"connection closed by the server: {error}") from error
    if pgconn.status != psycopg.pq.ConnStatus.OK:
        raise DisconnectionError("connection closed by the server")


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision (every head: features may add parallel branches).

    Alembic is imported here, not at the top: it costs about 0.5 s per process and only ``init``, ``migrate`` and
    the embedded profile's start need it (every CLI call and worker imports this module)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


class Database:
    """The session factory; ``transaction()`` is the one transaction a use case owns."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        writer = engine.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"})
        self._write_sessions = sessionmaker(writer, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit on success, roll back on any exception: nothing half-written (audit records queued by the
        use case are written by the commit, see ``audit_repository``). Inside ``holding()`` the commit waits
        for ``commit_held`` (``held_commit``)."""
        if (hold := held_commit.current()) is not None:
            with held_commit.held_transaction(hold, self._write_sessions) as session:
                yield session
            return
        with self._write_sessions() as session:
            session.begin()
            try:
                yield session
                held_commit.commit(session)
            except BaseException:
                session.rollback()  # also after a refused COMMIT: the connection goes back to the pool clean
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A short session for reads; closing it ends its transaction, loaded rows stay readable. Inside
        ``holding()`` after a write, the held session (what the write will commit)."""
        if (hold := held_commit.current()) is not None and hold.session is not None:
            yield hold.session
            return
        with self._sessions() as session:
            yield session

    def holding(self) -> AbstractContextManager[held_commit.Hold]:
        """Hold the last commit of the code inside for ``commit_held`` (see ``held_commit``)."""
        return held_commit.holding()

    def commit_held(self, write: Callable[[Session], None]) -> None:
        """Run ``write`` in the held transaction and commit them together (or alone when nothing is held)."""
        held_commit.commit_held(held_commit.current(), self._write_sessions, write)
