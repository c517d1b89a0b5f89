"""The API-wide tests' services: as everywhere (real components, fixed clock), with webhooks allowed to reach
this machine (the seed's subscription) and a per-key rate limit generous enough never to refuse, so every
answer carries the rate-limit headers the document promises."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from notice_service.adapters.system_clock import FixedClock
from notice_service.bootstrap import build_services
from notice_service.services import Services
from notice_service.settings import Settings
from tests.functional.conftest import NOW

GENEROUS = 1_000_000


@pytest.fixture
def services(tmp_path: Path, database_url: str) -> Iterator[Services]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        webhook_allow_private_targets=True,
        rate_limit_requests=GENEROUS,
    )
    built = build_services(settings, clock=FixedClock(NOW))
    yield built
    built.db.engine.dispose()
