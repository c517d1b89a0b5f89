"""PostgreSQL: inside ``Database.holding()`` (the idempotent routes) a block that wrote something is held for the
response's commit, and a block that wrote nothing (a locking read) commits at once, so its row locks do not wait
through the slow work that follows it (``db/held_commit.py``)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from notice_service.db.engine import Database, make_engine
from tests.services.postgres import libpq_uri

pytestmark = pytest.mark.postgres

METADATA = MetaData()
ROWS = Table("held_rows", METADATA, Column("id", Integer, primary_key=True), Column("name", String(20)))


def _locked_elsewhere(postgres_url: str) -> bool:
    """Whether another connection waits for row 1's lock (it gives up after 200 ms)."""
    with psycopg.connect(libpq_uri(postgres_url)) as other:
        other.execute("SET lock_timeout = '200ms'")
        try:
            other.execute("SELECT id FROM held_rows WHERE id = 1 FOR UPDATE")
        except psycopg.errors.LockNotAvailable:
            return True
        return False


def _names(postgres_url: str) -> list[str]:
    with psycopg.connect(libpq_uri(postgres_url)) as other:
        return [row[0] for row in other.execute("SELECT name FROM held_rows ORDER BY id").fetchall()]


def test_a_locking_read_commits_at_once_and_a_write_waits_for_the_response(postgres_url: str) -> None:
    database = Database(make_engine(postgres_url))
    METADATA.create_all(database.engine)
    with database.transaction() as session:
        session.execute(insert(ROWS).values(id=1, name="first"))
    with database.holding():
        with database.transaction() as session:  # reads and locks, writes nothing
            assert session.execute(select(ROWS.c.name).where(ROWS.c.id == 1).with_for_update()).scalar_one()
        assert not _locked_elsewhere(postgres_url)  # committed: the lock is gone already
        with database.transaction() as session:  # a write: held until the response commits with it
            session.execute(insert(ROWS).values(id=2, name="second"))
        assert _names(postgres_url) == ["first"]
        database.commit_held(lambda session: session.execute(insert(ROWS).values(id=3, name="response")))
    assert _names(postgres_url) == ["first", "second", "response"]
    database.engine.dispose()
