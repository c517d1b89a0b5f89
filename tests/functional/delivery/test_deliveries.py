"""Dispatching an issued mise en demeure and recording its delivery facts through the API: deemed and actual
receipt dates, the deadline that skips weekends and holidays, evidence hashes in the case timeline."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from notice_service.adapters.system_clock import FixedClock
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.notices.test_formal_notice_flow import DEBTOR, open_case

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def issued_notice(api: Api, services: Services, *, debtor: Mapping[str, object] = DEBTOR) -> dict[str, str]:
    ids = open_case(api, debtor=debtor)
    created = api.post(
        f"/v1/cases/{ids['case_id']}/notices", {"kind": "formal_notice", "as_of": "2026-06-30", "issue": True}
    )
    assert created.status_code == 201, created.json
    assert isinstance(services.clock, FixedClock)
    services.clock.advance(timedelta(days=30))  # 20 December 2026: the facts below are in the past
    return {"case_id": str(ids["case_id"]), "notice_id": created.json["id"], "debtor_id": str(ids["debtor_id"])}


def dispatch(api: Api, notice_id: str, **body: str) -> dict[str, object]:
    response = api.post(f"/v1/notices/{notice_id}/deliveries", body)
    assert response.status_code == 201, response.json
    return dict(response.json)


def give_lre_consent(
    api: Api, debtor_id: str, *, email: str, given_on: str, proof: bytes = b"%PDF-1.4 consent", name: str = "c.pdf"
) -> Any:
    """Upload a consumer's consent to electronic registered letters (its proof, the address, the date): the
    response, for the caller to check."""
    return api.client.post(
        f"/v1/debtors/{debtor_id}/lre-consents",
        data={"file": (io.BytesIO(proof), name), "email": email, "given_on": given_on},
        headers=api.headers,
        content_type="multipart/form-data",
    )


def test_registered_letter_unclaimed_gives_a_deemed_receipt_and_its_deadline(api: Api, services: Services) -> None:
    ids = issued_notice(api, services)
    delivery = dispatch(
        api, ids["notice_id"], channel="registered_letter", provider="manual", tracking_number="1A12345678901"
    )
    assert delivery["status"] == "created" and delivery["tracking_number"] == "1A12345678901"
    facts = [
        ("returned", "2026-12-11T10:00:00+01:00"),  # arrives first: out of order
        ("deposited", "2026-11-23T10:00:00+01:00"),
        ("first_presented", "2026-11-24T10:00:00+01:00"),
        ("unclaimed", "2026-12-09T18:00:00+01:00"),
    ]
    for kind, when in facts:
        response = api.post(
            f"/v1/deliveries/{delivery['id']}/facts", {"kind": kind, "occurred_at": when, "source_event_id": kind}
        )
        assert response.status_code == 201, response.json
    replay = api.post(
        f"/v1/deliveries/{delivery['id']}/facts",
        {"kind": "unclaimed", "occurred_at": "2026-12-09T18:00:00+01:00", "source_event_id": "unclaimed"},
    )
    assert replay.status_code == 200 and len(replay.json["facts"]) == 4  # a duplicate changes nothing
    assert replay.json["status"] == "returned"  # latest by occurrence, not by arrival

    case = api.get(f"/v1/cases/{ids['case_id']}").json
    notice = case["notices"][0]
    assert notice["receipt"] == {
        "receipt_date": "2026-11-24",
        "receipt": "deemed",
        "deadline_date": "2026-12-02",
        "deadline_expired": False,
    }
    assert [d["id"] for d in notice["deliveries"]] == [delivery["id"]]
    actions = [event["action"] for event in case["timeline"]]
    assert actions.count("delivery:fact_recorded") == 4 and "delivery:created" in actions


def test_acknowledgement_of_receipt_upload_gives_the_actual_receipt(api: Api, services: Services) -> None:
    ids = issued_notice(api, services)
    delivery = dispatch(
        api, ids["notice_id"], channel="registered_letter", provider="manual", tracking_number="RR123456785FR"
    )
    scan = b"%PDF-1.4\n% scanned avis de reception\n"
    upload = api.client.post(
        f"/v1/deliveries/{delivery['id']}/evidence",
        data={"file": (io.BytesIO(scan), "ar.pdf"), "kind": "acknowledgement_of_receipt", "shown_on": "2026-12-17"},
        headers=api.headers,
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.json
    sha = hashlib.sha256(scan).hexdigest()
    assert [e["sha256"] for e in upload.json["evidence"]] == [sha]
    assert upload.json["status"] == "delivered"
    case = api.get(f"/v1/cases/{ids['case_id']}").json
    # Received Thursday 17 December: +8 = Friday 25 December (holiday), then the weekend → Monday 28.
    assert case["notices"][0]["receipt"] == {
        "receipt_date": "2026-12-17",
        "receipt": "actual",
        "deadline_date": "2026-12-28",
        "deadline_expired": False,
    }
    stored = services.store.get(f"sha256/{sha}")
    assert stored == scan
    hashes = [doc["sha256"] for event in case["timeline"] for doc in event["documents"]]
    assert sha in hashes


def test_a_passed_deadline_shows_on_the_case_and_goes_out_once(api: Api, services: Services) -> None:
    from sqlalchemy import select

    from notice_service.db.models.outbox import OutboxMessage
    from notice_service.use_cases.delivery.deadlines import expire_deadlines
    from notice_service.worker import pending_count, run_until_idle

    ids = issued_notice(api, services)
    delivery = dispatch(api, ids["notice_id"], channel="bailiff", provider="manual")
    signified = {"kind": "delivered", "occurred_at": "2026-12-01T15:00:00+01:00"}
    assert api.post(f"/v1/deliveries/{delivery['id']}/facts", signified).status_code == 201
    # Deadline 9 December; today is 20 December.
    assert expire_deadlines(services) >= 1  # on PostgreSQL the module shares one database
    assert expire_deadlines(services) == 0  # once
    case = api.get(f"/v1/cases/{ids['case_id']}").json
    assert case["notices"][0]["receipt"]["deadline_date"] == "2026-12-09"
    assert case["notices"][0]["receipt"]["deadline_expired"] is True
    assert "notice:deadline_expired" in [event["action"] for event in case["timeline"]]
    with services.db.reading() as session:
        topics = session.execute(select(OutboxMessage.topic, OutboxMessage.payload)).all()
    assert ("deadline.expired", ids["notice_id"]) in [(t, p.get("notice_id")) for t, p in topics]
    run_until_idle(services)
    assert pending_count(services) == 0  # delivery.updated and deadline.expired have handlers


def test_a_text_longer_than_the_schema_allows_is_refused_as_sent(api: Api, services: Services) -> None:
    """``maxLength`` counts what is sent: a source event id of 255 characters once its trailing newlines are
    stripped, 300 as sent, is refused naming the field, and nothing is recorded (schemathesis' negative data)."""
    ids = issued_notice(api, services)
    delivery = dispatch(api, ids["notice_id"], channel="registered_letter", provider="manual")
    sent = "é" * 255 + "\n" * 45
    response = api.post(
        f"/v1/deliveries/{delivery['id']}/facts",
        {"kind": "deposited", "occurred_at": "2026-11-23T10:00:00+01:00", "source_event_id": sent},
    )
    assert response.status_code == 422, response.json
    assert [error["field"] for error in response.json["errors"]] == ["source_event_id"]
    assert api.get(f"/v1/deliveries/{delivery['id']}").json["facts"] == []
    padded = api.post(
        f"/v1/notices/{ids['notice_id']}/deliveries",
        {"channel": "registered_letter", "provider": "manual", "tracking_number": " " * 41},
    )
    assert padded.status_code == 422 and padded.json["errors"][0]["field"] == "tracking_number"
