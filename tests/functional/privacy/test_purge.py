"""The retention purge (README "Personal data (RGPD)"): it removes every personal field (a scan of every row of
the tenant finds none of the debtor's data), keeps the amounts and ids, records the letters kept under their
retention, leaves an audit log that still verifies, and refuses a debtor whose case is open or not yet due; the
dry run changes nothing; on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from notice_service.services import Services
from notice_service.use_cases.audit.verify import verify_tenant_ledger
from notice_service.use_cases.privacy.scrub import PLACEHOLDER
from tests.functional.conftest import Api
from tests.functional.lifecycle_support import actions, tenant_id
from tests.functional.privacy.support import PRESCRIBED, held_debtor, move_to, personal_data_left, tenant_rows

pytestmark = pytest.mark.usefixtures("twin")


def _verified(services: Services, tenant: str) -> None:
    check = verify_tenant_ledger(services, tenant)
    assert check.failure is None, check.failure


def test_purge_removes_every_personal_field_and_keeps_the_accounts(api: Api, services: Services) -> None:
    held = held_debtor(api)
    tenant = tenant_id(api)
    held_tables = {table for table, _ in personal_data_left(tenant_rows(services, tenant))}
    # the scan sees the data where it is held, and the audit log never held any of it
    assert {"debtors", "notices", "case_calls", "sms_messages", "payments", "idempotency_keys"} <= held_tables
    assert "audit_records" not in held_tables
    invoice_before = api.get(f"/v1/invoices/{held['invoice_id']}").json
    move_to(services, PRESCRIBED)
    _verified(services, tenant)

    purged = api.post(f"/v1/debtors/{held['debtor_id']}/purge", key="purge-1")

    assert purged.status_code == 200, purged.json
    replayed = api.post(f"/v1/debtors/{held['debtor_id']}/purge", key="purge-1")  # a retry answers the purge again
    assert replayed.json == purged.json and replayed.headers["Idempotent-Replayed"] == "true"
    assert personal_data_left(tenant_rows(services, tenant)) == []
    debtor = api.get(f"/v1/debtors/{held['debtor_id']}").json
    assert debtor["name"] == PLACEHOLDER and debtor["email"] is None and debtor["phone"] is None
    assert debtor["address"]["lines"] == [] and debtor["kind"] == "consumer"
    invoice_after = api.get(f"/v1/invoices/{held['invoice_id']}").json
    for kept in ("amount_due", "balance", "number", "due_date", "status"):
        assert invoice_after.get(kept) == invoice_before.get(kept), kept
    assert api.get(f"/v1/cases/{held['case_id']}").status_code == 200  # the tombstoned case still reads
    record = [r for r in actions(services, tenant) if r["action"] == "debtor:purged"]
    assert [r["subject"]["id"] for r in record] == [held["debtor_id"]]
    assert record[0]["data"]["cases"] == [{"case_id": held["case_id"], "reason": "prescribed"}]
    reopened = api.post(f"/v1/cases/{held['case_id']}/reopen")
    assert reopened.status_code == 409 and "purged" in reopened.json["detail"]
    _verified(services, tenant)


def test_the_letters_stay_and_the_purge_says_until_when(api: Api, services: Services) -> None:
    held = held_debtor(api)
    move_to(services, PRESCRIBED)
    body = api.post(f"/v1/debtors/{held['debtor_id']}/purge").json
    letters = [d for d in body["retained"] if d["kind"] == "letter"]
    assert [d["id"] for d in letters] == [held["notice"]["id"]]
    assert letters[0]["key"] == f"sha256/{held['notice']['document']['sha256']}"
    issued_at = datetime.fromisoformat(held["notice"]["issued_at"])
    until = datetime.fromisoformat(letters[0]["retain_until"])
    assert letters[0]["source"] == "configured" and (until - issued_at).days == services.settings.retention_days
    kinds = {d["kind"] for d in body["retained"]}
    assert {"letter", "delivery_acknowledgement_of_receipt", "case_contract", "lre_consent"} <= kinds
    assert body["retained_until"] == max(d["retain_until"] for d in body["retained"])
    pdf = api.get(f"/v1/notices/{held['notice']['id']}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")  # still there, under its retention


def test_dry_run_lists_why_and_changes_nothing(api: Api, services: Services) -> None:
    held = held_debtor(api)
    blocked = held_debtor(api, close=False, n=2)
    tenant = tenant_id(api)
    assert api.get("/v1/privacy/purgeable").json == {"data": []}  # nothing prescribed on 20 November 2026
    move_to(services, PRESCRIBED)
    before = tenant_rows(services, tenant)

    listed = api.get("/v1/privacy/purgeable")

    assert listed.status_code == 200
    (found,) = listed.json["data"]
    assert found["debtor_id"] == held["debtor_id"] and found["debtor_id"] != blocked["debtor_id"]
    (case,) = found["cases"]
    assert (case["case_id"], case["reason"], case["prescribed_from"]) == (held["case_id"], "prescribed", "2028-11-21")
    assert api.get("/v1/privacy/purgeable?before=2026-11-20").json == {"data": []}  # closed on the 20th
    assert len(api.get("/v1/privacy/purgeable?before=2026-11-21").json["data"]) == 1
    assert tenant_rows(services, tenant) == before


def test_a_debtor_with_an_open_case_is_not_purged(api: Api, services: Services) -> None:
    held = held_debtor(api)
    second = api.post("/v1/cases", {"debtor_id": held["debtor_id"], "invoice_ids": [_second_invoice(api, held)]})
    assert second.status_code == 201, second.json
    tenant = tenant_id(api)
    move_to(services, PRESCRIBED)
    before = tenant_rows(services, tenant)

    refused = api.post(f"/v1/debtors/{held['debtor_id']}/purge")

    assert refused.status_code == 409 and refused.content_type == "application/problem+json"
    assert "not purgeable" in refused.json["detail"]
    reasons = {c["case_id"]: c["reason"] for c in refused.json["debtor"]["cases"]}
    assert reasons == {held["case_id"]: "prescribed", second.json["id"]: "open"}
    assert tenant_rows(services, tenant) == before
    assert api.get("/v1/privacy/purgeable").json == {"data": []}


def _second_invoice(api: Api, held: dict[str, Any]) -> str:
    body = {"debtor_id": held["debtor_id"], "number": "F-Q-9", "issue_date": "2026-10-01", "due_date": "2026-10-31"}
    created = api.post("/v1/invoices", {**body, "amount_due": "80.00"})
    assert created.status_code == 201, created.json
    return str(created.json["id"])


def test_a_case_closed_too_recently_waits_unless_the_retention_period_allows(api: Api, services: Services) -> None:
    held = held_debtor(api)
    move_to(services, datetime(2027, 1, 15, 9, 0, tzinfo=UTC))  # closed 56 days ago, prescribed only in 2028
    refused = api.post(f"/v1/debtors/{held['debtor_id']}/purge")
    assert refused.status_code == 409, refused.json
    assert [c["reason"] for c in refused.json["debtor"]["cases"]] == ["not_yet"]
    services.settings = replace(services.settings, privacy_retention_days=60)
    assert api.get("/v1/privacy/purgeable").json == {"data": []}  # 56 < 60
    services.settings = replace(services.settings, privacy_retention_days=30)
    (found,) = api.get("/v1/privacy/purgeable").json["data"]
    assert found["cases"][0]["reason"] == "retention_period"
    assert api.post(f"/v1/debtors/{held['debtor_id']}/purge").status_code == 200
    again = api.post(f"/v1/debtors/{held['debtor_id']}/purge")
    assert again.status_code == 409 and "already purged" in again.json["detail"]
