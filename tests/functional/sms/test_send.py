"""Sending an SMS through the Brevo twin, on SQLite and PostgreSQL: stored, audited (the text's hash, never the
number), the outcome recorded; an Idempotency-Key sends once; a provider failure is recorded and retried."""

from __future__ import annotations

import hashlib
import json
import re

from sqlalchemy import select

from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.sms import SmsMessage
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.sms.support import BUSINESS, open_case, sms_rows, twin
from tests.twins.brevo_sms import BrevoSmsTwin, Scripted

__all__ = ["twin"]
TEXT = "Bonjour, la facture F-2026-0042 (1 034,56 €) reste impayée. Merci de la régler. Atelier Durand"


def test_an_sms_goes_through_the_provider_and_is_recorded(api: Api, services: Services, twin: BrevoSmsTwin) -> None:
    _, case_id = open_case(api, BUSINESS)
    sent = api.post(f"/v1/cases/{case_id}/sms", {"text": TEXT})
    assert sent.status_code == 201, sent.json
    body = sent.json
    assert body["status"] == "accepted" and body["provider"] == "brevo"
    assert body["provider_message_id"] == str(1511882900176220)  # the twin's first id
    assert (body["encoding"], body["segments"], body["text"]) == ("GSM-7", 1, TEXT)
    assert body["text_sha256"] == hashlib.sha256(TEXT.encode()).hexdigest()
    [request] = twin.received
    assert request.body["recipient"] == "33612345678" and request.body["content"] == TEXT
    assert re.fullmatch(r"[0-9a-f-]{36}", request.body["tag"])  # a fresh idempotency key travels as the tag
    listed = api.get(f"/v1/cases/{case_id}/sms").json["data"]
    assert [row["id"] for row in listed] == [body["id"]]
    with services.db.reading() as session:
        record = session.execute(
            select(AuditRecord).where(AuditRecord.action == "sms:sent", AuditRecord.subject_id == body["id"])
        ).scalar_one()
    canonical = record.canonical.decode()
    assert body["text_sha256"] in canonical
    assert "612345678" not in canonical and "F-2026-0042" not in canonical  # neither the number nor the text
    assert json.loads(canonical)["data"]["provider_message_id"] == body["provider_message_id"]


def test_the_same_idempotency_key_texts_once(api: Api, services: Services, twin: BrevoSmsTwin) -> None:
    _, case_id = open_case(api, BUSINESS)
    first = api.post(f"/v1/cases/{case_id}/sms", {"text": TEXT}, key="relance-1")
    again = api.post(f"/v1/cases/{case_id}/sms", {"text": TEXT}, key="relance-1")
    assert first.status_code == again.status_code == 201
    assert first.json["id"] == again.json["id"]
    assert len(twin.received) == 1 and sms_rows(services, case_id) == 1
    assert twin.received[0].body["tag"] == "http:relance-1"


def test_a_provider_failure_is_recorded_then_a_retry_sends(api: Api, services: Services, twin: BrevoSmsTwin) -> None:
    _, case_id = open_case(api, BUSINESS)
    twin.script.append(Scripted(503, {"code": "unavailable", "message": "try later"}))
    failed = api.post(f"/v1/cases/{case_id}/sms", {"text": TEXT}, key="k-503")
    assert failed.status_code == 502, failed.json
    assert failed.json["type"].endswith("/sms-failed") and failed.json["retryable"] is True
    [row] = api.get(f"/v1/cases/{case_id}/sms").json["data"]
    assert row["status"] == "failed" and "HTTP 503" in row["error"] and row["provider_message_id"] is None
    retried = api.post(f"/v1/cases/{case_id}/sms", {"text": TEXT}, key="k-503")
    assert retried.status_code == 201 and retried.json["id"] == row["id"] and retried.json["status"] == "accepted"
    assert len(twin.received) == 1
    with services.db.reading() as session:
        actions = session.execute(select(AuditRecord.action).where(AuditRecord.subject_id == row["id"])).scalars()
        assert list(actions) == ["sms:failed", "sms:sent"]


def test_a_unicode_text_is_sent_as_ucs2_with_its_segments(api: Api, twin: BrevoSmsTwin) -> None:
    _, case_id = open_case(api, BUSINESS)
    text = "Merci de régler la facture ✓ " * 3  # ✓ is outside GSM 7-bit: 87 UCS-2 units, two segments
    sent = api.post(f"/v1/cases/{case_id}/sms", {"text": text})
    assert (sent.json["encoding"], sent.json["segments"]) == ("UCS-2", 2)
    assert twin.received[0].body["unicodeEnabled"] is True


def test_without_a_provider_the_sms_is_refused_and_nothing_is_written(api: Api, services: Services) -> None:
    _, case_id = open_case(api, BUSINESS)
    refused = api.post(f"/v1/cases/{case_id}/sms", {"text": TEXT})
    assert refused.status_code == 503
    assert refused.json["type"].endswith("/sms-not-configured") and "NOTICE_SMS_PROVIDER" in refused.json["detail"]
    assert sms_rows(services, case_id) == 0


def test_an_sms_whose_outcome_was_never_recorded_is_not_sent_again(
    api: Api, services: Services, twin: BrevoSmsTwin
) -> None:
    """A process that died between the provider's answer and the record leaves the row ``sending``: the same
    key is then a conflict naming the tag to look for at the provider, and nothing is sent."""
    _, case_id = open_case(api, BUSINESS)
    sent = api.post(f"/v1/cases/{case_id}/sms", {"text": TEXT}, key="crash-1")
    with services.db.transaction() as session:  # what a crash after the provider's answer leaves behind
        row = session.get(SmsMessage, sent.json["id"])
        assert row is not None
        row.status, row.provider_message_id = "sending", None
    again = api.post(f"/v1/cases/{case_id}/sms", {"text": TEXT}, key="crash-1")
    assert again.status_code == 409, again.json
    assert "http:crash-1" in again.json["detail"] and again.json["sms_id"] == sent.json["id"]
    assert len(twin.received) == 1 and sms_rows(services, case_id) == 1
