"""Each channel through the API: e-mail over a real SMTP server, LRE refused without a consumer's consent,
Standard Webhooks and Merci Facteur events replayed (duplicates, reordering), and a sweep of bad inbound
requests that must change nothing."""

from __future__ import annotations

import base64
import email
import hashlib
import io
import json
from datetime import UTC, datetime
from email.policy import default
from typing import Any

import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from notice_service import worker
from notice_service.adapters.smtp_mailer import SmtpMailer
from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.delivery import Delivery, DeliveryEvidence, DeliveryFact
from notice_service.services import Services
from notice_service.use_cases.delivery.inbound import create_inbound_secret
from tests.functional.conftest import Api
from tests.functional.delivery.test_deliveries import dispatch, give_lre_consent, issued_notice
from tests.services.smtp import SmtpServer

CONSUMER = {
    "kind": "consumer",
    "name": "Paul Lefèvre",
    "address": {"lines": ["2 rue des Lilas"], "postal_code": "69003", "city": "Lyon", "country": "FR"},
    "email": "paul@example.org",
}


def test_email_channel_sends_the_signed_pdf_and_records_submitted(
    api: Api, services: Services, smtp_server: SmtpServer
) -> None:
    ids = issued_notice(api, services)
    services.mailer = SmtpMailer(smtp_server.host, smtp_server.port, "relances@atelier.example", starttls=False)
    queued = dispatch(api, ids["notice_id"], channel="email", provider="email", recipient_email="dg@martin.example")
    assert queued["status"] == "queued" and not smtp_server.messages  # recorded first; the worker sends
    worker.run_until_idle(services)
    worker.run_until_idle(services)  # a replayed run sends nothing more
    delivery = api.get(f"/v1/deliveries/{queued['id']}").json
    assert delivery["status"] == "submitted"
    [fact] = [f for f in delivery["facts"]]
    [received] = smtp_server.messages
    message = email.message_from_bytes(received.data, policy=default)
    assert fact["detail"]["message_id"] == message["Message-ID"] == delivery["provider_reference"]
    assert message["Message-ID"] == f"<delivery-{queued['id']}@atelier.example>"  # stable: a retry is recognisable
    assert fact["detail"]["reply_code"] == 250
    [attachment] = list(message.iter_attachments())  # type: ignore[attr-defined]
    pdf = api.get(f"/v1/notices/{ids['notice_id']}/pdf").data
    assert hashlib.sha256(attachment.get_payload(decode=True)).hexdigest() == hashlib.sha256(pdf).hexdigest()


def test_lre_to_a_consumer_needs_consent(api: Api, services: Services) -> None:
    ids = issued_notice(api, services, debtor=CONSUMER)
    refused = api.post(
        f"/v1/notices/{ids['notice_id']}/deliveries", {"channel": "electronic_registered", "provider": "manual"}
    )
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert refused.json["suggested_channel"] == "registered_letter" and "registered letter" in refused.json["detail"]
    consent = give_lre_consent(api, ids["debtor_id"], email="paul@example.org", given_on="2026-10-01")
    assert consent.status_code == 201, consent.json
    accepted = dispatch(api, ids["notice_id"], channel="electronic_registered", provider="manual")
    assert accepted["channel"] == "electronic_registered"


def signed(services: Services, secret: str, body: bytes, msg_id: str = "msg_1") -> dict[str, str]:
    now = services.clock.now()
    signature = Webhook(secret).sign(msg_id, now, body.decode())
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signature}


def post_events(api: Api, services: Services, tenant: str, secret: str, events: list[dict[str, Any]]) -> Any:
    body = json.dumps({"events": events}).encode()
    headers = {**signed(services, secret, body), "Content-Type": "application/json"}
    return api.client.post(f"/v1/providers/webhook/events?tenant={tenant}", data=body, headers=headers)


def tenant_of(services: Services, delivery_id: str) -> str:
    with services.db.reading() as session:
        return session.get_one(Delivery, delivery_id).tenant_id


def test_signed_webhook_events_with_la_poste_codes_duplicates_and_reordering(api: Api, services: Services) -> None:
    ids = issued_notice(api, services)
    delivery = dispatch(
        api, ids["notice_id"], channel="registered_letter", provider="webhook", tracking_number="RR473124829FR"
    )
    tenant = tenant_of(services, str(delivery["id"]))
    secret = create_inbound_secret(services, tenant, "webhook")
    ar = b"\xff\xd8\xff\xe0 scanned AR"
    later = {
        "id": "e3",
        "tracking_number": "RR473124829FR",
        "laposte_code": "DI1",
        "occurred_at": "2026-11-25T11:00:00+01:00",
        "evidence": [{"kind": "acknowledgement_of_receipt", "content_base64": base64.b64encode(ar).decode()}],
    }
    earlier = {
        "id": "e1",
        "delivery_id": delivery["id"],
        "fact": "deposited",
        "occurred_at": "2026-11-23T09:00:00+01:00",
    }
    middle = {
        "id": "e2",
        "tracking_number": "RR473124829FR",
        "laposte_code": "AG1",
        "occurred_at": "2026-11-24T09:00:00+01:00",
    }
    first = post_events(api, services, tenant, secret, [later, earlier])
    assert first.status_code == 200, first.json
    assert first.json == {"recorded": 2, "duplicates": 0}
    second = post_events(api, services, tenant, secret, [middle, later])
    assert second.json == {"recorded": 1, "duplicates": 1}
    read = api.get(f"/v1/deliveries/{delivery['id']}").json
    assert read["status"] == "delivered"
    assert [f["kind"] for f in read["facts"]] == ["deposited", "first_presented", "delivered"]
    assert [e["sha256"] for e in read["evidence"]] == [hashlib.sha256(ar).hexdigest()]
    receipt = api.get(f"/v1/cases/{ids['case_id']}").json["notices"][0]["receipt"]
    assert (receipt["receipt_date"], receipt["receipt"], receipt["deadline_date"]) == (
        "2026-11-25",
        "actual",
        "2026-12-03",
    )


def stamp(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, 9, tzinfo=UTC).timestamp())


def merci_facteur_form(name: str, status: str, stamp: int, **extra: str) -> dict[str, str]:
    letter = {
        "ref_courrier": "123456-789123456",
        "mode_envoi": "lrar",
        "tracking_number": "2C123456789",
        "id_envoi": "123",
        "statut_courrier": status,
        "statut_description": "…",
        "ref_interne": "",
        **extra,
    }
    return {
        "event": json.dumps({"name_event": name, "id_user": 17460, "date_event": stamp}),
        "detail": json.dumps([letter]),
    }


def test_merci_facteur_replay_with_duplicates_and_reordering(api: Api, services: Services) -> None:
    ids = issued_notice(api, services)
    delivery = dispatch(
        api,
        ids["notice_id"],
        channel="registered_letter",
        provider="merci_facteur",
        provider_reference="123456-789123456",
    )
    tenant = tenant_of(services, str(delivery["id"]))
    key = create_inbound_secret(services, tenant, "merci_facteur")
    pdd = b"%PDF-1.4 preuve de depot"
    plays = [
        merci_facteur_form("pnd", "distribue_expediteur", stamp(2026, 12, 9)),  # arrives first
        merci_facteur_form("pdd", "scan_pdd", stamp(2026, 12, 2), pdd_base64_pdf=base64.b64encode(pdd).decode()),
        merci_facteur_form("new-state", "attente_au_guichet", stamp(2026, 12, 3)),  # avis de passage
        merci_facteur_form("new-state", "attente_au_guichet", stamp(2026, 12, 3)),  # Merci Facteur's retry
    ]
    answers = [
        api.client.post(
            f"/v1/providers/merci_facteur/events?tenant={tenant}", data=form, headers={"X-Mf-Webhook-Secret-Key": key}
        )
        for form in plays
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200], answers[0].json
    assert [a.json["duplicates"] for a in answers] == [0, 0, 0, 1]
    read = api.get(f"/v1/deliveries/{delivery['id']}").json
    assert read["status"] == "returned"
    receipt = api.get(f"/v1/cases/{ids['case_id']}").json["notices"][0]["receipt"]
    # Returned after an avis de passage: deemed received on 3 December (Thursday) → deadline Friday 11 December.
    assert (receipt["receipt_date"], receipt["receipt"], receipt["deadline_date"]) == (
        "2026-12-03",
        "deemed",
        "2026-12-11",
    )


def counts(services: Services) -> tuple[int, ...]:
    with services.db.reading() as session:
        return tuple(
            session.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (DeliveryFact, DeliveryEvidence, AuditRecord)
        )


@pytest.mark.parametrize(
    "case",
    [
        "bad_signature",
        "unknown_tenant",
        "unknown_delivery",
        "malformed_json",
        "bad_fact",
        "unsupported_file",
        "mf_bad_key",
        "mf_malformed",
        "evidence_gif",
    ],
)
def test_bad_inbound_requests_are_problems_and_change_nothing(api: Api, services: Services, case: str) -> None:
    ids = issued_notice(api, services)
    delivery = dispatch(
        api, ids["notice_id"], channel="registered_letter", provider="webhook", tracking_number="1A12345678901"
    )
    tenant = tenant_of(services, str(delivery["id"]))
    secret = create_inbound_secret(services, tenant, "webhook")
    key = create_inbound_secret(services, tenant, "merci_facteur")
    good = {"id": "x", "delivery_id": delivery["id"], "fact": "deposited", "occurred_at": "2026-11-23T09:00:00+01:00"}
    before = counts(services)
    url = f"/v1/providers/webhook/events?tenant={tenant}"
    if case == "bad_signature":
        body = json.dumps({"events": [good]}).encode()
        response = api.client.post(
            url, data=body, headers={**signed(services, "whsec_" + base64.b64encode(b"k" * 32).decode(), body)}
        )
    elif case == "unknown_tenant":
        body = json.dumps({"events": [good]}).encode()
        response = api.client.post(
            "/v1/providers/webhook/events?tenant=nobody", data=body, headers=signed(services, secret, body)
        )
    elif case == "unknown_delivery":
        response = post_events(api, services, tenant, secret, [good, {**good, "id": "y", "delivery_id": "missing"}])
    elif case == "malformed_json":
        response = api.client.post(url, data=b"{not json", headers=signed(services, secret, b"{not json"))
    elif case == "bad_fact":
        response = post_events(api, services, tenant, secret, [good, {**good, "id": "z", "fact": "accepted"}])
    elif case == "unsupported_file":
        exe = base64.b64encode(b"MZ\x90\x00 executable").decode()
        response = post_events(
            api, services, tenant, secret, [{**good, "evidence": [{"kind": "deposit_proof", "content_base64": exe}]}]
        )
    elif case == "mf_bad_key":
        response = api.client.post(
            f"/v1/providers/merci_facteur/events?tenant={tenant}",
            data=merci_facteur_form("pdd", "scan_pdd", stamp(2026, 12, 2)),
            headers={"X-Mf-Webhook-Secret-Key": "nope"},
        )
    elif case == "mf_malformed":
        response = api.client.post(
            f"/v1/providers/merci_facteur/events?tenant={tenant}",
            data={"event": "{", "detail": "[]"},
            headers={"X-Mf-Webhook-Secret-Key": key},
        )
    else:
        response = api.client.post(
            f"/v1/deliveries/{delivery['id']}/evidence",
            data={
                "file": (io.BytesIO(b"GIF89a..."), "x.gif"),
                "kind": "deposit_proof",
                "shown_on": "2026-11-23",
            },
            headers=api.headers,
            content_type="multipart/form-data",
        )
    assert response.status_code in (401, 404, 415, 422), (case, response.status_code, response.json)
    assert response.mimetype == "application/problem+json"
    assert counts(services) == before
