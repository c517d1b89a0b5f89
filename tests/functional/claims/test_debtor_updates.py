"""``PATCH /v1/debtors/{id}``: a JSON merge patch guarded by ``If-Match``, the address change audited, and an
issued letter keeping the address it was issued with; on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from notice_service.db.models.claims import Debtor
from notice_service.db.models.notices import Notice
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.lifecycle_support import DEBTOR, actions, case, debtor, invoice, patch, tenant_id, topics

PROBLEM = "application/problem+json"
NEW_ADDRESS = {"lines": ["12 rue de la République"], "postal_code": "69001", "city": "Lyon"}


def _digest(address: object) -> str:
    return hashlib.sha256(json.dumps(address, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def test_patch_needs_the_current_etag(api: Api, other_api: Api, services: Services) -> None:
    debtor_id = debtor(api)
    read = api.get(f"/v1/debtors/{debtor_id}")
    etag = read.headers["ETag"]
    assert etag.startswith('"') and read.json["address"]["city"] == "Paris"
    missing = patch(api, f"/v1/debtors/{debtor_id}", {"email": "compta@martin.example"}, etag=None)
    assert missing.status_code == 428 and missing.mimetype == PROBLEM and missing.json["current_etag"] == etag
    assert patch(other_api, f"/v1/debtors/{debtor_id}", {"name": "X"}, etag=etag).status_code == 404

    changed = patch(api, f"/v1/debtors/{debtor_id}", {"email": "compta@martin.example"}, etag=etag)
    assert changed.status_code == 200, changed.json
    assert changed.json["email"] == "compta@martin.example" and changed.json["name"] == DEBTOR["name"]
    assert changed.headers["ETag"] != etag == read.headers["ETag"]
    assert api.get(f"/v1/debtors/{debtor_id}").headers["ETag"] == changed.headers["ETag"]
    stale = patch(api, f"/v1/debtors/{debtor_id}", {"name": "Autre nom"}, etag=etag)
    assert stale.status_code == 412 and stale.json["current_etag"] == changed.headers["ETag"]
    assert api.get(f"/v1/debtors/{debtor_id}").json["name"] == DEBTOR["name"]
    removed = patch(api, f"/v1/debtors/{debtor_id}", {"email": None}, etag=changed.headers["ETag"])
    assert removed.status_code == 200 and removed.json["email"] is None


def test_an_address_change_is_audited_and_announced(api: Api, services: Services) -> None:
    debtor_id = debtor(api)
    etag = api.get(f"/v1/debtors/{debtor_id}").headers["ETag"]
    moved = patch(api, f"/v1/debtors/{debtor_id}", {"address": NEW_ADDRESS}, etag=etag)
    assert moved.status_code == 200, moved.json
    assert moved.json["address"] == {**NEW_ADDRESS, "country": "FR"}
    tenant = tenant_id(api)
    (record,) = [r for r in actions(services, tenant) if r["action"] == "debtor:updated"]
    assert record["subject"] == {"type": "debtor", "id": debtor_id}
    assert record["data"]["fields"] == ["address"]
    # the audit log holds no personal data (issue 18): the addresses by the SHA-256 of their canonical JSON
    moved_to = {**NEW_ADDRESS, "country": "FR"}
    expected = {"from_sha256": _digest(DEBTOR["address"]), "to_sha256": _digest(moved_to)}
    assert record["data"]["address"] == expected
    assert "République" not in json.dumps(record, ensure_ascii=False)
    assert [p["fields"] for t, p in topics(services, tenant) if t == "debtor.updated"] == [["address"]]


def test_only_the_city_changes_with_a_nested_patch(api: Api) -> None:
    debtor_id = debtor(api)
    etag = api.get(f"/v1/debtors/{debtor_id}").headers["ETag"]
    moved = patch(api, f"/v1/debtors/{debtor_id}", {"address": {"postal_code": "75011"}}, etag=etag)
    assert moved.status_code == 200, moved.json
    assert moved.json["address"] == {**DEBTOR["address"], "postal_code": "75011"}


def test_an_issued_letter_keeps_the_address_it_was_issued_with(api: Api, services: Services) -> None:
    debtor_id = debtor(api)
    case_id = case(api, debtor_id, invoice(api, debtor_id, "F-1", "500.00"))
    issued = api.post(f"/v1/cases/{case_id}/notices", {"kind": "reminder", "as_of": "2026-06-30", "issue": True})
    assert issued.status_code == 201 and issued.json["status"] == "issued", issued.json
    before = api.get(f"/v1/notices/{issued.json['id']}/pdf").data
    etag = api.get(f"/v1/debtors/{debtor_id}").headers["ETag"]
    assert patch(api, f"/v1/debtors/{debtor_id}", {"address": NEW_ADDRESS}, etag=etag).status_code == 200

    after = api.get(f"/v1/notices/{issued.json['id']}/pdf").data
    assert after == before  # the stored, signed letter is the one that was sent
    text = services.text_extractor.extract_text(after)
    assert "8 avenue Jean Jaurès" in text and "75019" in text and "République" not in text
    with services.db.reading() as session:
        frozen = session.execute(select(Notice.letter_data).where(Notice.id == issued.json["id"])).scalar_one()
        current = session.get_one(Debtor, debtor_id)
    assert frozen["debtor"]["address_lines"] == ["8 avenue Jean Jaurès"] and frozen["debtor"]["city"] == "Paris"
    assert (current.address_lines, current.city) == (["12 rue de la République"], "Lyon")


def test_a_draft_made_before_a_move_is_not_issued_to_the_old_address(api: Api, services: Services) -> None:
    debtor_id = debtor(api)
    case_id = case(api, debtor_id, invoice(api, debtor_id, "F-1", "500.00"))
    drafted = api.post(f"/v1/cases/{case_id}/notices", {"kind": "reminder", "as_of": "2026-06-30"})
    assert drafted.status_code == 201, drafted.json
    etag = api.get(f"/v1/debtors/{debtor_id}").headers["ETag"]
    assert patch(api, f"/v1/debtors/{debtor_id}", {"address": NEW_ADDRESS}, etag=etag).status_code == 200

    refused = api.post(f"/v1/notices/{drafted.json['id']}/issue")
    assert refused.status_code == 409 and refused.mimetype == PROBLEM
    assert "draft it again" in refused.json["detail"]
    assert refused.json["drafted_address"]["city"] == "Paris" and refused.json["current_address"]["city"] == "Lyon"
    assert api.get(f"/v1/notices/{drafted.json['id']}").json["status"] == "draft"
    again = api.post(f"/v1/cases/{case_id}/notices", {"kind": "reminder", "as_of": "2026-06-30", "issue": True})
    assert again.status_code == 201 and again.json["status"] == "issued", again.json
    text = services.text_extractor.extract_text(api.get(f"/v1/notices/{again.json['id']}/pdf").data)
    assert "12 rue de la République" in text and "69001" in text
