"""Rates are national, not per tenant: each test of this folder gets a database of its own, also on
PostgreSQL (the shared ``postgres_url`` is one database per module, where one test's additions would be
the next test's history)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.services.migrated import fresh_migrated_postgres_url, migrated_sqlite_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new database for each test (at the migrations' head, from a template: ``tests/services/migrated.py``)."""
    if request.param == "sqlite":
        return migrated_sqlite_url(tmp_path / "notice.db")
    return fresh_migrated_postgres_url(request.getfixturevalue("postgres_server"))
