"""On S3 with Object Lock (SeaweedFS), the purge records each kept letter with the store's own lock date: the
letter stays, locked (COMPLIANCE), and the purge says until when."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from notice_service.adapters.storage.s3_store import S3DocumentStore
from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.settings import Settings
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.conftest import CREDITOR_PROFILE, NOW, Api
from tests.functional.privacy.support import CONSUMER, PRESCRIBED, move_to
from tests.services.seaweed import SeaweedS3


def _closed_case_with_a_letter(api: Api) -> tuple[str, str]:
    debtor = api.post("/v1/debtors", CONSUMER).json["id"]
    body = {"debtor_id": debtor, "number": "F-L-1", "issue_date": "2026-03-01", "due_date": "2026-03-31"}
    invoice = api.post("/v1/invoices", {**body, "amount_due": "300.00"}).json["id"]
    case = api.post("/v1/cases", {"debtor_id": debtor, "invoice_ids": [invoice]}).json["id"]
    notice = api.post(f"/v1/cases/{case}/notices", {"kind": "reminder", "as_of": "2026-06-30", "issue": True})
    assert notice.status_code == 201, notice.json
    assert api.post(f"/v1/cases/{case}/close", {"reason": "written_off"}).status_code == 200
    return debtor, notice.json["id"]


@pytest.mark.s3
def test_the_purge_records_the_store_lock_date_of_each_letter(tmp_path: Path, seaweed_s3: SeaweedS3) -> None:
    settings = Settings(
        data_dir=tmp_path,
        store="s3",
        s3_bucket=seaweed_s3.make_bucket(),
        s3_endpoint_url=seaweed_s3.endpoint_url,
        s3_access_key=seaweed_s3.access_key,
        s3_secret_key=seaweed_s3.secret_key,
        retention_days=1,
    )
    services = build_services(settings, clock=FixedClock(NOW))
    try:
        with create_app(services=services).test_client() as client:
            api = Api(client, create_tenant(services, name="A", siren="404833048", profile=CREDITOR_PROFILE).api_key)
            debtor, notice_id = _closed_case_with_a_letter(api)
            move_to(services, PRESCRIBED)
            purged = api.post(f"/v1/debtors/{debtor}/purge")
            assert purged.status_code == 200, purged.json
            (letter,) = [d for d in purged.json["retained"] if d["kind"] == "letter"]
            stored = services.store.stat(letter["key"])
            assert api.get(f"/v1/notices/{notice_id}/pdf").data.startswith(b"%PDF")  # still there
    finally:
        services.db.engine.dispose()
    assert isinstance(services.store, S3DocumentStore)
    assert stored.retention_mode == "COMPLIANCE" and stored.retain_until is not None
    assert letter["source"] == "store" and datetime.fromisoformat(letter["retain_until"]) == stored.retain_until
    assert letter["id"] == notice_id
