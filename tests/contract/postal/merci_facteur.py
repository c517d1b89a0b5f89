"""Merci Facteur: ``MerciFacteurProvider`` against ``tests/twins/merci_facteur.py``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from notice_service.adapters.postal.merci_facteur import MerciFacteurProvider
from notice_service.domain.delivery.provider_events import MERCI_FACTEUR_STATUSES
from tests.contract.postal import Pair, Running, StepControl
from tests.twins.merci_facteur import SECRET_KEY, SERVICE_ID, USER_ID, MerciFacteurTwin

STEPS = {
    "deposited": "pris_en_charge",
    "first_presented": "attente_au_guichet",
    "delivered": "distribue",
    "unclaimed": "retour_expediteur",
    "returned": "retour_expediteur",
}


@contextmanager
def start() -> Iterator[Running]:
    twin = MerciFacteurTwin().start()
    try:
        provider = MerciFacteurProvider(twin.base_url, SERVICE_ID, SECRET_KEY, USER_ID, timeout=5.0)
        wrong = MerciFacteurProvider(twin.base_url, SERVICE_ID, "not-the-secret", USER_ID, timeout=5.0)
        yield Running(provider, StepControl(twin, STEPS), wrong)
    finally:
        twin.close()


PAIR = Pair("merci_facteur", start, lambda status: MERCI_FACTEUR_STATUSES[status].value)
