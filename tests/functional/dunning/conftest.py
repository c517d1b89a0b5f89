"""A credit desk on real components (SQLite and PostgreSQL), its clock at 07:00 Paris on the day driven."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from notice_service.services import Services
from tests.functional.dunning.support import Desk, desk_app, desk_services


@pytest.fixture
def desk_services_fixture(tmp_path: Path, database_url: str) -> Iterator[Services]:
    built = desk_services(tmp_path, database_url)
    yield built
    built.db.engine.dispose()


@pytest.fixture
def desk(desk_services_fixture: Services) -> Desk:
    return Desk(desk_services_fixture, desk_app(desk_services_fixture))
