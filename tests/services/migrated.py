"""Databases already at the migrations' head, copied from one migrated template instead of migrated each time.

Migrating a new database from nothing takes a second or two (every Alembic revision), and most functional tests
start on a new one:

* ``migrated_sqlite_url(path)``: a copy of one SQLite template migrated once per test process (per xdist
  worker), made with SQLite's backup API (consistent whatever the journal mode);
* ``migrated_postgres_url`` (module scope, like ``postgres_url``) and ``fresh_migrated_postgres_url()``: a new
  PostgreSQL database ``CREATE DATABASE … TEMPLATE`` a migrated one, made once per server.

``build_services`` still runs the migrations on the copy, which finds it at the head. The migrations themselves
are tested from an empty database in ``tests/integration/db``, which keeps ``postgres_url`` (empty).
"""

from __future__ import annotations

import atexit
import itertools
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest

from notice_service.db.engine import make_engine, migrate
from tests.services.postgres import sqlalchemy_url

_sqlite_template: Path | None = None
_POSTGRES_TEMPLATE = "notice_migrated_template"
_postgres_templates: set[int] = set()  # the servers (by id) that have the template
_names = itertools.count()


def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        migrate(engine)
    finally:
        engine.dispose()  # no connection left: PostgreSQL copies a template nobody is connected to


def _migrated_sqlite_template() -> Path:
    global _sqlite_template
    if _sqlite_template is None:
        folder = Path(tempfile.mkdtemp(prefix="notice-sqlite-template-"))
        atexit.register(shutil.rmtree, folder, True)
        _migrate(f"sqlite:///{folder / 'template.db'}")
        _sqlite_template = folder / "template.db"
    return _sqlite_template


def migrated_sqlite_url(path: Path) -> str:
    """A SQLAlchemy URL of a new SQLite database at ``path``, already at the migrations' head."""
    source = sqlite3.connect(_migrated_sqlite_template())
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return f"sqlite:///{path}"


def fresh_migrated_postgres_url(server: Any) -> str:
    """A new PostgreSQL database on ``server`` (``postgres_server``), already at the migrations' head."""
    if id(server) not in _postgres_templates:
        server.psql(f"CREATE DATABASE {_POSTGRES_TEMPLATE};")
        _migrate(sqlalchemy_url(server.get_uri(database=_POSTGRES_TEMPLATE)))
        _postgres_templates.add(id(server))
    name = f"notice_migrated_{next(_names)}"
    server.psql(f"CREATE DATABASE {name} TEMPLATE {_POSTGRES_TEMPLATE};")
    return sqlalchemy_url(server.get_uri(database=name))


@pytest.fixture(scope="module")
def migrated_postgres_url(postgres_server: object) -> str:
    """One migrated database per test module (as ``postgres_url`` is one empty database per module)."""
    return fresh_migrated_postgres_url(postgres_server)
