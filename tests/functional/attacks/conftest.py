"""The attacker suite's services: real components and a fixed clock as everywhere (SQLite and PostgreSQL),
webhooks allowed to reach this machine (the victim's subscription) and a rate limit that never refuses (the
suite sends hundreds of requests with one key)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from notice_service.adapters.system_clock import FixedClock
from notice_service.bootstrap import build_services
from notice_service.services import Services
from notice_service.settings import Settings
from tests.functional.attacks.support import Tenant, make_attacker, seed_victim
from tests.functional.conftest import NOW


@pytest.fixture
def services(tmp_path: Path, database_url: str) -> Iterator[Services]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        webhook_allow_private_targets=True,
        rate_limit_requests=1_000_000,
    )
    built = build_services(settings, clock=FixedClock(NOW))
    yield built
    built.db.engine.dispose()


@pytest.fixture
def victim(client: FlaskClient, services: Services) -> Tenant:
    return seed_victim(client, services)


@pytest.fixture
def attacker(client: FlaskClient, services: Services, victim: Tenant) -> Tenant:
    return make_attacker(client, services)
