"""The postal providers' twins, started on the test's clock and closed afterwards (``providers.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from notice_service.services import Services
from tests.functional.delivery.providers import ar24_twin, maileva_twin, merci_facteur_twin
from tests.twins.ar24 import Ar24Twin
from tests.twins.maileva import MailevaTwin
from tests.twins.merci_facteur import MerciFacteurTwin


@pytest.fixture
def mf(services: Services) -> Iterator[MerciFacteurTwin]:
    with merci_facteur_twin(services).started() as twin:
        yield twin


@pytest.fixture
def maileva(services: Services) -> Iterator[MailevaTwin]:
    with maileva_twin(services).started() as twin:
        yield twin


@pytest.fixture
def ar24(services: Services) -> Iterator[Ar24Twin]:
    with ar24_twin(services).started() as twin:
        yield twin
