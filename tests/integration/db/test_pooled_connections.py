"""PostgreSQL: a pooled connection the server closed is replaced at checkout, without a ``SELECT 1`` per
transaction (``db.engine._check_alive``)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event, text

from notice_service.db.engine import Database, make_engine
from tests.services.postgres import libpq_uri

pytestmark = pytest.mark.postgres


def _backend_pids(database: Database, count: int) -> list[int]:
    """Check ``count`` connections out at once so the pool keeps that many, and answer their backends."""
    sessions = [database.transaction() for _ in range(count)]
    pids = [int(context.__enter__().execute(text("SELECT pg_backend_pid()")).scalar_one()) for context in sessions]
    for context in sessions:
        context.__exit__(None, None, None)
    return pids


def test_connections_closed_by_the_server_are_replaced_without_an_error(tmp_path: Path, postgres_url: str) -> None:
    database = Database(make_engine(postgres_url))
    pids = _backend_pids(database, 3)
    assert len(set(pids)) == 3
    with psycopg.connect(libpq_uri(postgres_url), autocommit=True) as admin:
        for pid in pids:
            assert admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,)).fetchone() == (True,)
    statements: list[str] = []
    event.listen(database.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    for _ in range(4):  # more transactions than dead connections: each is replaced, none fails
        with database.transaction() as session:
            assert session.execute(text("SELECT 1 + 1")).scalar_one() == 2
    assert statements == ["SELECT 1 + 1"] * 4, "no ping statement is sent before a transaction"
    assert not set(_backend_pids(database, 3)) & set(pids)
    database.engine.dispose()


def test_a_live_connection_is_reused(tmp_path: Path, postgres_url: str) -> None:
    database = Database(make_engine(postgres_url))
    first = _backend_pids(database, 1)
    with psycopg.connect(libpq_uri(postgres_url), autocommit=True) as admin:
        admin.execute("SELECT 1")
    assert _backend_pids(database, 1) == first
    database.engine.dispose()
