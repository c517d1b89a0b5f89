"""The S3 store (SeaweedFS with Object Lock, its own process here) killed while the service runs, then restarted.

Behaviour: issuing a notice answers ``503 store-unavailable`` (problem+json, ``Retry-After``) and writes nothing
(the notice stays a draft, no ``notice:issued`` record); ``/readyz`` answers 503 naming the store; once the
server is back, ``/readyz`` answers 200 and the same issue succeeds, without restarting the service.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.db.models.audit_log import AuditRecord
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.conftest import CREDITOR_PROFILE, NOW, Api
from tests.functional.notices.test_formal_notice_flow import open_case
from tests.services import seaweed


@pytest.fixture(scope="module")
def weed() -> Iterator[seaweed.SeaweedProcess]:
    workdir = Path(tempfile.mkdtemp(prefix="notice-weed-outage-"))
    try:
        with seaweed.running_seaweed(workdir) as started:
            yield started
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def s3_services(weed: seaweed.SeaweedProcess, tmp_path: Path) -> Iterator[Services]:
    store = weed.server.store_settings(weed.server.make_bucket())
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'notice.db'}", **store)
    built = build_services(settings, clock=FixedClock(NOW))
    yield built
    built.db.engine.dispose()


def actions(services: Services) -> list[str]:
    with services.db.reading() as session:
        return [json.loads(c)["action"] for c in session.execute(select(AuditRecord.canonical)).scalars()]


def test_issue_answers_503_and_writes_nothing_while_the_store_is_down_then_works(
    weed: seaweed.SeaweedProcess, s3_services: Services
) -> None:
    created = create_tenant(s3_services, name="Atelier Durand", siren="404833048", profile=CREDITOR_PROFILE)
    with create_app(services=s3_services).test_client() as client:
        api = Api(client, created.api_key)
        case_id = open_case(api)["case_id"]
        draft = api.post(f"/v1/cases/{case_id}/notices", {"kind": "formal_notice", "as_of": "2026-06-30"})
        assert draft.status_code == 201, draft.json
        notice_id = draft.json["id"]
        assert client.get("/readyz").status_code == 200
        before = actions(s3_services)
        weed.stop()
        try:
            started = time.monotonic()
            refused = api.post(f"/v1/notices/{notice_id}/issue")
            assert time.monotonic() - started < 30  # refused connections fail fast (3 attempts, backoff)
            assert refused.status_code == 503, refused.json
            assert refused.mimetype == "application/problem+json"
            assert refused.json["type"].endswith("/store-unavailable"), refused.json
            assert int(refused.headers["Retry-After"]) > 0
            assert api.get(f"/v1/notices/{notice_id}").json["status"] == "draft"
            assert actions(s3_services) == before  # nothing audited, nothing half-written
            ready = client.get("/readyz")
            assert ready.status_code == 503 and "store" in json.dumps(ready.json), ready.json
        finally:
            weed.start()
        assert client.get("/readyz").status_code == 200
        issued: Any = api.post(f"/v1/notices/{notice_id}/issue")
        assert issued.status_code in (200, 201), issued.json
        assert api.get(f"/v1/notices/{notice_id}").json["status"] == "issued"
        assert "notice:issued" in actions(s3_services)
