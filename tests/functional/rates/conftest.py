"""Rates are national, not per tenant: each test of this folder gets a database of its own, also on
PostgreSQL (the shared ``postgres_url`` is one database per module, where one test's additions would be
the next test's history)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.services.postgres import sqlalchemy_url

_fresh = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty database for each test."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'notice.db'}"
    server = request.getfixturevalue("postgres_server")
    name = f"notice_rates_{next(_fresh)}"
    server.psql(f"CREATE DATABASE {name};")
    return sqlalchemy_url(server.get_uri(database=name))
