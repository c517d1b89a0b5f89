"""The purge reaches what the debtor's data left behind elsewhere: a dossier's findings and file names, the
answers a webhook receiver sent back (it echoed the event's body), a failed job's error. Before the purge the
access export holds them and the dry run lists them; after it no column of those rows holds a personal value, the
codes, verdicts, statuses and HTTP codes stay, and the audit log still verifies; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from notice_service.adapters.system_clock import FixedClock
from notice_service.bootstrap import build_services
from notice_service.db.models.dossier import Dossier
from notice_service.db.models.outbox import OutboxMessage
from notice_service.db.models.webhooks import WebhookAttempt, WebhookDelivery
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.audit.verify import verify_tenant_ledger
from notice_service.use_cases.official_rates import RateInput, add_rate
from notice_service.use_cases.privacy.purge import purgeable
from notice_service.worker import run_until_idle
from tests.functional.conftest import NOW, Api
from tests.functional.lifecycle_support import tenant_id
from tests.functional.privacy.support import (
    EMAIL,
    NAME,
    PRESCRIBED,
    held_debtor,
    move_to,
    personal_data_left,
    tenant_rows,
)
from tests.functional.webhooks.test_outbound import Receiver

pytestmark = pytest.mark.usefixtures("twin")
OVERRIDE = f"{NAME} a reconnu la dette par écrit"
COURT = "Tribunal judiciaire de Strasbourg"  # Alsace-Moselle is not in the shipped table
SMTP_REFUSAL = f"SMTPRecipientsRefused: 550 5.1.1 <{EMAIL}>: Recipient address rejected"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver(echo=True)  # answers 200 with what it was sent, as a careless receiver does
    yield started
    started.close()


@pytest.fixture
def services(tmp_path: Path, database_url: str) -> Iterator[Services]:
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, webhook_allow_private_targets=True, provider_calls_per_minute=0
    )
    built = build_services(settings, clock=FixedClock(NOW))
    yield built
    built.db.engine.dispose()


def _rates(services: Services) -> None:
    """The taux légal of the half-years up to the export (the shipped table ends before them)."""
    for year in range(2027, 2029):
        for half in (1, 2):
            rate = RateInput(kind="legal", source="t", half_year=f"{year}-S{half}", particuliers=Decimal("6.5"))
            add_rate(services, replace(rate, autres_cas=Decimal("3")))


def _traces(api: Api, services: Services, receiver: Receiver) -> dict[str, Any]:
    """The held debtor, its payment sent to a receiver that echoed it, a dossier exported past prescription with
    a reason naming the debtor, a failed job's error holding its e-mail address; then its case closed."""
    subscribed = api.post("/v1/webhooks/subscriptions", {"url": receiver.url, "event_types": ["payment.recorded"]})
    assert subscribed.status_code == 201, subscribed.json
    held = held_debtor(api, close=False)
    run_until_idle(services)
    move_to(services, datetime(2028, 12, 1, 9, 0, tzinfo=UTC))  # prescribed from 21 November 2028
    _rates(services)
    dossier = api.post(
        f"/v1/cases/{held['case_id']}/dossiers", {"override_prescription": {"reason": OVERRIDE}, "court": COURT}
    )
    assert dossier.status_code == 201, dossier.json
    with services.db.transaction() as session:  # what the worker writes of a job the SMTP server refused
        topic = OutboxMessage.topic == "payment.recorded"
        session.execute(select(OutboxMessage).where(topic)).scalar_one().last_error = SMTP_REFUSAL
    closed = api.post(f"/v1/cases/{held['case_id']}/close", {"reason": "settled"})
    assert closed.status_code == 200, closed.json
    return {**held, "dossier_id": dossier.json["id"]}


def _kept(services: Services) -> dict[str, Any]:
    """What is not personal in the dossier and webhook rows: codes, court, statuses, HTTP codes, keys."""
    with services.db.reading() as session:
        (row,) = session.execute(select(Dossier)).scalars()
        deliveries = session.execute(select(WebhookDelivery.status, WebhookDelivery.event_type)).all()
        attempts = session.execute(select(WebhookAttempt.status_code, WebhookAttempt.succeeded)).all()
        return {
            "codes": [(part, f["code"]) for part in ("warnings", "notes") for f in row.findings[part]],
            "court": row.findings["court"],
            "keys": [(entry["key"], entry["sha256"]) for entry in row.layout],
            "hash": (row.sha256, row.manifest_sha256, row.archive_key),
            "deliveries": sorted(deliveries),
            "attempts": sorted(attempts),
        }


def test_the_purge_scrubs_dossier_findings_webhook_answers_and_errors(
    api: Api, services: Services, receiver: Receiver
) -> None:
    held = _traces(api, services, receiver)
    tenant = tenant_id(api)
    left = {table for table, _ in personal_data_left(tenant_rows(services, tenant))}
    assert {"dossiers", "webhook_attempts", "outbox"} <= left, left  # held there before the purge
    archive = zipfile.ZipFile(io.BytesIO(api.get(f"/v1/debtors/{held['debtor_id']}/export").data))
    exported = {name: json.loads(archive.read(name)) for name in ("dossiers.json", "webhooks.json")}
    assert [d["id"] for d in exported["dossiers.json"]] == [held["dossier_id"]]
    assert OVERRIDE in json.dumps(exported["dossiers.json"], ensure_ascii=False)
    (hook,) = exported["webhooks.json"]
    assert hook["event_type"] == "payment.recorded" and "QUIXOTTE-ZARBO" in hook["attempts"][0]["response_excerpt"]
    move_to(services, PRESCRIBED)
    (listed,) = purgeable(services, tenant)
    assert listed["scrubbed"]["dossiers"] == [held["dossier_id"]]
    assert listed["scrubbed"]["webhook_deliveries"] == [hook["id"]]
    (served,) = api.get("/v1/privacy/purgeable").json["data"]  # the API's dry run says so too
    assert served["scrubbed"] == {"dossiers": [held["dossier_id"]], "webhook_deliveries": [hook["id"]]}
    before = _kept(services)

    purged = api.post(f"/v1/debtors/{held['debtor_id']}/purge")

    assert purged.status_code == 200, purged.json
    assert personal_data_left(tenant_rows(services, tenant)) == []
    assert _kept(services) == before
    assert ("warnings", "prescription_overridden") in before["codes"] and before["attempts"] == [(200, True)]
    download = api.get(f"/v1/dossiers/{held['dossier_id']}/archive")  # the dossier itself is kept, whole
    assert download.status_code == 200
    check = verify_tenant_ledger(services, tenant)
    assert check.failure is None, check.failure
