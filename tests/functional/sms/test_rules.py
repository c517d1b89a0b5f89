"""The rules of the SMS step, with fixed clocks, on SQLite and PostgreSQL: opt-out (the debtor's and the
number's), a consumer only on working days 08:00–20:00 Europe/Paris (a refusal says when it may go), a
business at any time, and every bad input answered by problem+json with nothing written or sent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from notice_service.adapters.system_clock import FixedClock
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.sms.support import BUSINESS, CONSUMER, open_case, sms_rows, twin
from tests.twins.brevo_sms import BrevoSmsTwin

__all__ = ["twin"]
TEXT = "Votre facture F-2026-0042 reste impayée : merci de nous contacter."


def test_an_opted_out_debtor_gets_no_sms(api: Api, services: Services, twin: BrevoSmsTwin) -> None:
    debtor_id, case_id = open_case(api, BUSINESS)
    opted = api.post(f"/v1/debtors/{debtor_id}/sms-opt-out")
    assert opted.status_code == 200 and opted.json["sms_opt_out"] is True
    assert api.post(f"/v1/debtors/{debtor_id}/sms-opt-out").json["sms_opt_out"] is True  # twice: no change
    refused = api.post(f"/v1/cases/{case_id}/sms", {"text": TEXT})
    assert refused.status_code == 409
    assert refused.json["type"].endswith("/sms-refused") and refused.json["reason"] == "opted_out"
    assert twin.received == [] and sms_rows(services, case_id) == 0


def test_a_number_that_opted_out_stays_out_whoever_holds_it(api: Api, services: Services, twin: BrevoSmsTwin) -> None:
    first_id, _ = open_case(api, BUSINESS)
    api.post(f"/v1/debtors/{first_id}/sms-opt-out")
    same_number = {**BUSINESS, "name": "Martin Fils", "siren": "552100554"}
    _, case_id = open_case(api, same_number, number="F-2026-0043")
    refused = api.post(f"/v1/cases/{case_id}/sms", {"text": TEXT})
    assert refused.status_code == 409 and refused.json["reason"] == "opted_out"
    assert twin.received == []


def test_an_opt_out_cannot_be_patched_away(api: Api) -> None:
    debtor_id, _ = open_case(api, BUSINESS)
    api.post(f"/v1/debtors/{debtor_id}/sms-opt-out")
    read = api.client.get(f"/v1/debtors/{debtor_id}", headers=api.headers)
    patched = api.client.patch(
        f"/v1/debtors/{debtor_id}",
        json={"sms_opt_out": False},
        headers={**api.headers, "If-Match": read.headers["ETag"], "Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 422
    assert api.get(f"/v1/debtors/{debtor_id}").json["sms_opt_out"] is True


# Paris is UTC+1 in winter: 2026-11-20 is a Friday, 2026-11-21 a Saturday, 2026-12-25 (Christmas) a Friday.
HOURS = [
    (datetime(2026, 11, 20, 18, 59, tzinfo=UTC), None),  # Friday 19:59 Paris
    (datetime(2026, 11, 20, 19, 0, tzinfo=UTC), "2026-11-23T08:00:00+01:00"),  # Friday 20:00: Monday 08:00
    (datetime(2026, 11, 21, 9, 0, tzinfo=UTC), "2026-11-23T08:00:00+01:00"),  # Saturday 10:00
    (datetime(2026, 11, 23, 6, 59, tzinfo=UTC), "2026-11-23T08:00:00+01:00"),  # Monday 07:59: the same day
    (datetime(2026, 11, 23, 7, 0, tzinfo=UTC), None),  # Monday 08:00
    (datetime(2026, 12, 24, 20, 0, tzinfo=UTC), "2026-12-28T08:00:00+01:00"),  # Thu 21:00, then Christmas
    (datetime(2026, 12, 26, 10, 0, tzinfo=UTC), "2026-12-28T08:00:00+01:00"),  # 26 Dec: also a holiday in 67
    (datetime(2026, 7, 14, 9, 0, tzinfo=UTC), "2026-07-15T08:00:00+02:00"),  # 14 juillet; summer time
]


@pytest.mark.parametrize(("now", "not_before"), HOURS)
def test_a_consumer_is_texted_only_in_the_legal_hours(
    api: Api, services: Services, twin: BrevoSmsTwin, now: datetime, not_before: str | None
) -> None:
    _, case_id = open_case(api, CONSUMER)
    services.clock = FixedClock(now)
    answer = api.post(f"/v1/cases/{case_id}/sms", {"text": TEXT})
    if not_before is None:
        assert answer.status_code == 201, answer.json
        assert len(twin.received) == 1
        return
    assert answer.status_code == 409, answer.json
    assert answer.json["reason"] == "outside_hours" and answer.json["not_before"] == not_before
    assert not_before in answer.json["detail"]
    assert twin.received == [] and sms_rows(services, case_id) == 0


def test_a_business_is_texted_on_a_saturday_evening(api: Api, services: Services, twin: BrevoSmsTwin) -> None:
    _, case_id = open_case(api, BUSINESS)
    services.clock = FixedClock(datetime(2026, 11, 21, 21, 30, tzinfo=UTC))
    assert api.post(f"/v1/cases/{case_id}/sms", {"text": TEXT}).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "a" * 460}, "text"),  # 4 segments of GSM 7-bit
        ({"text": "✓" * 202}, "text"),  # 4 segments of UCS-2
        ({"text": 42}, "text"),
        ({}, "text"),
        ({"text": TEXT, "to": "+33600000000"}, "to"),
        ({"text": TEXT, "sender": "Autre"}, "sender"),
    ],
)
def test_bad_texts_are_refused_naming_the_field(
    api: Api, services: Services, twin: BrevoSmsTwin, body: dict[str, Any], field: str
) -> None:
    _, case_id = open_case(api, BUSINESS)
    refused = api.post(f"/v1/cases/{case_id}/sms", body)
    assert refused.status_code == 422, refused.json
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert field in [error["field"] for error in refused.json["errors"]]
    assert twin.received == [] and sms_rows(services, case_id) == 0


@pytest.mark.parametrize("phone", ["0612345678", "+33123456789", "+3361234567", "+33 6 12 34 56 78", "+0612345678"])
def test_bad_numbers_are_refused_on_create_and_patch(api: Api, services: Services, phone: str) -> None:
    created = api.post("/v1/debtors", {**BUSINESS, "phone": phone})
    assert created.status_code == 422 and [e["field"] for e in created.json["errors"]] == ["phone"]
    debtor_id = api.post("/v1/debtors", BUSINESS).json["id"]
    read = api.client.get(f"/v1/debtors/{debtor_id}", headers=api.headers)
    patched = api.client.patch(
        f"/v1/debtors/{debtor_id}",
        json={"phone": phone},
        headers={**api.headers, "If-Match": read.headers["ETag"], "Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 422 and "phone" in [e["field"] for e in patched.json["errors"]]
    assert api.get(f"/v1/debtors/{debtor_id}").json["phone"] == BUSINESS["phone"]


def test_a_phone_can_be_patched_and_removed(api: Api) -> None:
    debtor_id = api.post("/v1/debtors", {k: v for k, v in BUSINESS.items() if k != "phone"}).json["id"]
    for phone in ("+33698765432", None):
        read = api.client.get(f"/v1/debtors/{debtor_id}", headers=api.headers)
        patched = api.client.patch(
            f"/v1/debtors/{debtor_id}",
            json={"phone": phone},
            headers={**api.headers, "If-Match": read.headers["ETag"], "Content-Type": "application/merge-patch+json"},
        )
        assert patched.status_code == 200 and patched.json["phone"] == phone


def test_no_number_unknown_case_other_tenant_and_closed_case(
    api: Api, other_api: Api, services: Services, twin: BrevoSmsTwin
) -> None:
    _, no_phone_case = open_case(api, {k: v for k, v in BUSINESS.items() if k != "phone"})
    no_phone = api.post(f"/v1/cases/{no_phone_case}/sms", {"text": TEXT})
    assert no_phone.status_code == 409 and no_phone.json["reason"] == "no_phone"
    assert api.post("/v1/cases/00000000-0000-4000-8000-000000000000/sms", {"text": TEXT}).status_code == 404
    _, case_id = open_case(api, BUSINESS, number="F-2026-0050")
    assert other_api.post(f"/v1/cases/{case_id}/sms", {"text": TEXT}).status_code == 404
    assert other_api.get(f"/v1/cases/{case_id}/sms").status_code == 404
    assert api.post(f"/v1/cases/{case_id}/close", {"reason": "settled"}).status_code == 200
    closed = api.post(f"/v1/cases/{case_id}/sms", {"text": TEXT})
    assert closed.status_code == 409 and closed.json["type"].endswith("/case-closed")
    assert twin.received == [] and sms_rows(services, case_id) == sms_rows(services, no_phone_case) == 0
