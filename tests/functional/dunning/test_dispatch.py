"""After issuing: the e-mail steps go out by the ``email`` provider (a real SMTP server), a letter stays
``issued`` for the postal providers; an SMS step goes through ``send_sms`` (the SMS twin), once even when retried,
and fails with the reason a person can act on (no mobile number, no provider configured)."""

from __future__ import annotations

from datetime import date

import pytest

from notice_service.adapters.smtp_mailer import SmtpMailer
from notice_service.worker import run_until_idle
from tests.functional.dunning.support import Desk
from tests.services.smtp import SmtpServer
from tests.twins.sms_sender import MemorySmsSender

STEPS = [
    {"offset_days": 1, "action": "reminder", "channel": "email", "mode": "auto"},
    {"offset_days": 3, "action": "sms", "channel": "sms", "mode": "auto"},
]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_email_dispatch_and_letters_and_sms(desk: Desk, smtp_server: SmtpServer) -> None:
    desk.services.mailer = SmtpMailer(smtp_server.host, smtp_server.port, "relances@atelier.example", starttls=False)
    desk.ok(desk.api.post("/v1/plans", {"name": "Courriel", "steps": STEPS, "default": True}), 201)
    desk.settings(min_interval_days=1)
    with_email = desk.debtor(email="compta@martin.example")
    without = desk.debtor(name="Sans Courriel SARL", siren="552100554")
    desk.invoice(with_email, "F-E", date(2026, 3, 2))
    desk.invoice(without, "F-L", date(2026, 3, 2))

    items = {item["debtor_id"]: item for item in desk.day(date(2026, 3, 3))}
    assert items[with_email]["state"] == "dispatched" and items[with_email]["delivery_id"]
    assert items[without]["state"] == "issued" and items[without]["delivery_id"] is None
    [mail] = smtp_server.messages
    assert mail.recipients == ["compta@martin.example"] and b"application/pdf" in mail.data
    delivery = desk.ok(desk.api.get(f"/v1/deliveries/{items[with_email]['delivery_id']}"))
    assert delivery["channel"] == "email" and delivery["notice_id"] == items[with_email]["notice_id"]

    sms = desk.day(date(2026, 3, 5))
    assert [item["action"] for item in sms] == ["sms", "sms"]
    assert {item["state"] for item in sms} == {"failed"}  # neither debtor has a mobile number
    assert {item["reason"].split(":")[0] for item in sms} == {"sms-refused"}
    assert len(smtp_server.messages) == 1  # an e-mail is never sent twice


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_sms_step_texts_the_debtor_once_and_a_missing_provider_is_its_reason(desk: Desk) -> None:
    desk.ok(desk.api.post("/v1/plans", {"name": "SMS", "steps": STEPS[1:], "default": True}), 201)
    debtor = desk.debtor(phone="+33612345678")
    desk.invoice(debtor, "F-S", date(2026, 3, 2))
    [failed] = desk.day(date(2026, 3, 5))
    assert failed["state"] == "failed" and failed["reason"].startswith("sms-not-configured")
    run_id = desk.ok(desk.api.get("/v1/runs"))["data"][0]["id"]
    assert [e["reason"] for e in desk.ok(desk.api.get(f"/v1/runs/{run_id}"))["errors"]] == [failed["reason"]]

    twin = MemorySmsSender()
    desk.services.sms_sender = twin
    retried = desk.ok(desk.api.post(f"/v1/runs/{run_id}/items/{failed['id']}/retry"))
    assert retried["counts"]["approved"] == 1
    run_until_idle(desk.services)
    [item] = desk.ok(desk.api.get(f"/v1/runs/{run_id}/items"))["data"]
    assert item["state"] == "issued", item
    [text] = twin.accepted
    assert text.to == "+33612345678" and "F-S" in text.text and text.idempotency_key == f"run-item-{item['id']}"
    run_until_idle(desk.services)
    assert len(twin.accepted) == 1
