"""The right of access (RGPD art. 15): ``GET /v1/debtors/{id}/export`` is a ZIP of every row held about the
debtor and the letters' PDFs, with safe entry names, audited, and another tenant's debtor is 404; on SQLite and
PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile

import pytest

from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.lifecycle_support import actions, tenant_id
from tests.functional.privacy.support import (
    CALL_NOTES,
    EMAIL,
    KINDS,
    NAME,
    PRESCRIBED,
    SMS_TEXT,
    held_debtor,
    move_to,
)

pytestmark = pytest.mark.usefixtures("twin")
SAFE_NAME = re.compile(r"^(?:[a-z_]+\.json|letters/[0-9a-f-]{36}\.pdf)$")


def _zip(response: object) -> zipfile.ZipFile:
    data = response.data  # type: ignore[attr-defined]
    return zipfile.ZipFile(io.BytesIO(data))


def test_export_holds_every_kind_of_row_and_the_letters(api: Api, services: Services) -> None:
    held = held_debtor(api)
    exported = api.get(f"/v1/debtors/{held['debtor_id']}/export")

    assert exported.status_code == 200 and exported.content_type == "application/zip"
    assert exported.headers["X-Content-SHA256"] == hashlib.sha256(exported.data).hexdigest()
    archive = _zip(exported)
    names = archive.namelist()
    assert all(SAFE_NAME.match(name) for name in names), names
    tables = {name[: -len(".json")]: json.loads(archive.read(name)) for name in names if name.endswith(".json")}
    for kind in KINDS:
        assert tables[kind], f"{kind}.json is empty"
    debtor = tables["debtor"]
    assert (debtor["id"], debtor["name"], debtor["email"]) == (held["debtor_id"], NAME, EMAIL)
    assert [i["amount_due"] for i in tables["invoices"]] == ["1234.56"]
    assert [p["amount"] for p in tables["payments"]] == ["200.00"]
    assert [c["notes"] for c in tables["calls"]] == [CALL_NOTES]
    assert [s["text"] for s in tables["sms"]] == [SMS_TEXT]
    assert {e["type"] for e in tables["events"]} >= {"case.closed", "call.recorded", "case.paused"}
    assert tables["notices"][0]["letter_data"]["debtor"]["name"] == NAME
    pdf = archive.read(f"letters/{held['notice']['id']}.pdf")
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == held["notice"]["document"]["sha256"]
    (record,) = [r for r in actions(services, tenant_id(api)) if r["action"] == "debtor:exported"]
    assert record["subject"]["id"] == held["debtor_id"]
    assert record["data"] == {
        "sha256": hashlib.sha256(exported.data).hexdigest(),
        "size": len(exported.data),
        "letters": 1,
    }
    assert NAME not in json.dumps(record, ensure_ascii=False)


def test_export_after_a_purge_shows_the_tombstone(api: Api, services: Services) -> None:
    held = held_debtor(api)
    move_to(services, PRESCRIBED)
    assert api.post(f"/v1/debtors/{held['debtor_id']}/purge").status_code == 200
    archive = _zip(api.get(f"/v1/debtors/{held['debtor_id']}/export"))
    debtor = json.loads(archive.read("debtor.json"))
    assert debtor["purged_at"] is not None and debtor["email"] is None
    (purge,) = json.loads(archive.read("purges.json"))
    assert purge["case_ids"] == [held["case_id"]] and purge["retained"]
    assert f"letters/{held['notice']['id']}.pdf" in archive.namelist()  # the letter is kept: it is still held


def test_another_tenants_debtor_is_not_found(api: Api, other_api: Api, services: Services) -> None:
    held = held_debtor(api)
    for path in (f"/v1/debtors/{held['debtor_id']}/export", "/v1/debtors/00000000-0000-0000-0000-000000000000/export"):
        answered = other_api.get(path)
        assert answered.status_code == 404 and answered.content_type == "application/problem+json", path
    assert [r for r in actions(services, tenant_id(api)) if r["action"] == "debtor:exported"] == []
