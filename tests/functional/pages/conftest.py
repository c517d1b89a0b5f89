"""Fixtures of the pages' tests: the tenant's people, one per role, and a seeded case."""

from __future__ import annotations

import pytest

from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.pages.support import Login, make_people, seeded_case, tenant_of


@pytest.fixture
def people(api: Api, services: Services) -> dict[str, Login]:
    return make_people(services, tenant_of(api))


@pytest.fixture
def seeded(api: Api) -> tuple[str, str, str]:
    return seeded_case(api)
