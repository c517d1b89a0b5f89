"""After issuing: the e-mail steps go out by the ``email`` provider (a real SMTP server), a letter stays
``issued`` for the postal providers, and an SMS step fails with a reason until the SMS adapter is merged."""

from __future__ import annotations

import importlib
from datetime import date

import pytest

from notice_service.adapters.smtp_mailer import SmtpMailer
from tests.functional.dunning.support import Desk
from tests.services.smtp import SmtpServer


def _sms_merged() -> bool:
    try:
        importlib.import_module("notice_service.use_cases.sms.send")
    except ImportError:
        return False
    return True


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
    if not _sms_merged():
        assert {(item["state"], item["reason"]) for item in sms} == {("failed", "sms adapter not configured")}
        run_id = desk.ok(desk.api.get("/v1/runs"))["data"][0]["id"]
        run = desk.ok(desk.api.get(f"/v1/runs/{run_id}"))
        assert run["status"] == "completed" and run["counts"]["failed"] == 2
        assert [e["reason"] for e in run["errors"]] == ["sms adapter not configured"] * 2
        retried = desk.ok(desk.api.post(f"/v1/runs/{run_id}/items/{sms[0]['id']}/retry"))
        assert retried["status"] == "open" and retried["counts"]["approved"] == 1
    assert len(smtp_server.messages) == 1  # an e-mail is never sent twice
