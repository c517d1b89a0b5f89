"""A mise en demeure sent by qualified LRE through AR24 (the real adapter against its twin), on SQLite and
PostgreSQL: the account configured with its token and private key sealed (never answered, never audited,
never logged); the delivery queued in the business transaction and submitted by the worker (the signed PDF
uploaded, then the mail, our delivery id in ``ref_client``); the polled transitions and their proofs (deposit,
then reception, refusal or negligence after the 15 days) stored WORM and audited, leading to the receipt date
and the deadline; consumer consent enforced before anything is sent; and a bad-input sweep.

The receipt an LRE gives (``domain/delivery/facts.derive_receipt``, LEGAL.md §7.4): accepted → the day of the
reception, actual; refused or neglected → the day the recipient was notified (the deposit: AR24 e-mails the
recipient at once), deemed.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from notice_service import worker
from notice_service.adapters.system_clock import FixedClock
from notice_service.db.models.delivery import Delivery
from notice_service.services import Services
from notice_service.use_cases.delivery.polling import poll_delivery
from tests.functional.cases.follow_up_support import move_to
from tests.functional.conftest import Api
from tests.functional.delivery.providers import (
    AR24,
    account,
    assert_actual_receipt,
    assert_secrets_nowhere,
    configure,
    tenant_of,
)
from tests.functional.delivery.test_channels import CONSUMER
from tests.functional.delivery.test_deliveries import dispatch, give_lre_consent, issued_notice
from tests.twins.ar24 import PRIVATE_KEY, SENDER_EMAIL, TOKEN, USER_ID, Ar24Twin

RECIPIENT = "compta@boulangerie-martin.example"


def paris(day: int, hour: int = 10, month: int = 12) -> datetime:
    return datetime(2026 if month == 12 else 2027, month, day, hour, tzinfo=UTC)


def deposited_now(services: Services) -> datetime:
    """AR24 timestamps the deposit moments after it took the mail (the twin's clock is the test's)."""
    moment = services.clock.now() + timedelta(minutes=2)
    assert moment.date() == date(2026, 12, 20)  # Sunday 20 December 2026
    return moment


def lre(api: Api, services: Services, notice_id: str, **body: str) -> dict[str, Any]:
    queued = dispatch(api, notice_id, channel="electronic_registered", provider="ar24", **body)
    assert queued["status"] == "queued"
    worker.run_until_idle(services)
    return dict(api.get(f"/v1/deliveries/{queued['id']}").json)


def test_a_formal_notice_by_lre_through_ar24_to_its_reception_and_deadline(
    api: Api, services: Services, ar24: Ar24Twin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    configured = configure(api, AR24, ar24)
    assert set(configured["secrets"]) == {"token", "private_key"} and configured["credentials"] == {"user_id": USER_ID}
    assert PRIVATE_KEY not in json.dumps(configured) and TOKEN not in json.dumps(configured)
    ids = issued_notice(api, services)  # the clock is now 20 December 2026
    queued = dispatch(
        api, ids["notice_id"], channel="electronic_registered", provider="ar24", recipient_email=RECIPIENT
    )
    assert queued["status"] == "queued" and ar24.received() == 0  # nothing leaves inside the transaction
    worker.run_until_idle(services)
    submitted = api.get(f"/v1/deliveries/{queued['id']}").json
    [mail] = ar24.mails
    assert submitted["status"] == "submitted" and submitted["provider_reference"] == str(mail.id)
    assert (submitted["tracking_number"], submitted["price"], submitted["currency"]) == (None, "4.20", "EUR")
    assert mail.fields["ref_client"] == queued["id"] and mail.fields["is_eidas"] == 1
    assert (mail.fields["to_email"], mail.fields["dest_statut"]) == (RECIPIENT, "professionnel")
    assert mail.fields["to_company"] == "Boulangerie Martin SARL"
    [(name, uploaded)] = [ar24.attachments[file_id] for file_id in mail.fields["attachments"]]
    assert uploaded == api.get(f"/v1/notices/{ids['notice_id']}/pdf").data and name.endswith(".pdf")

    ar24.advance(str(mail.id), "ev", paris(21, 9))
    ar24.advance(str(mail.id), "ev", paris(21, 9, 12) + timedelta(hours=5))  # reported twice: its first date
    move_to(services, paris(21, 12))
    poll_delivery(services, tenant_of(api), {"delivery_id": queued["id"]})
    ar24.advance(str(mail.id), "AR", paris(23, 11))  # Wednesday 23 December
    move_to(services, paris(23, 12))
    poll_delivery(services, tenant_of(api), {"delivery_id": queued["id"]})
    poll_delivery(services, tenant_of(api), {"delivery_id": queued["id"]})  # a second poll adds nothing

    delivery = api.get(f"/v1/deliveries/{queued['id']}").json
    assert sorted(f["kind"] for f in delivery["facts"]) == ["accepted", "deposited", "submitted"]
    assert delivery["status"] == "accepted"
    assert sorted(e["kind"] for e in delivery["evidence"]) == ["acknowledgement_of_receipt", "deposit_proof"]
    for evidence in delivery["evidence"]:
        assert services.store.get(f"sha256/{evidence['sha256']}").startswith(b"%PDF-")  # WORM, content-addressed
    assert_actual_receipt(api, ids["case_id"], delivery, "2026-12-23", "2026-12-31")
    assert_secrets_nowhere(services, tenant_of(api), caplog, AR24.secrets)


def test_a_consumer_without_consent_is_refused_then_neglects_the_lre(
    api: Api, services: Services, ar24: Ar24Twin
) -> None:
    configure(api, AR24, ar24)
    ids = issued_notice(api, services, debtor=CONSUMER)
    asked = len(ar24.requests)  # the account's check
    refused = api.post(
        f"/v1/notices/{ids['notice_id']}/deliveries", {"channel": "electronic_registered", "provider": "ar24"}
    )
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert refused.json["suggested_channel"] == "registered_letter" and "L100" in refused.json["detail"]
    worker.run_until_idle(services)
    with services.db.reading() as session:
        recorded = select(Delivery.id).where(Delivery.tenant_id == tenant_of(api))
        assert session.execute(recorded).first() is None  # nothing recorded ...
    assert ar24.received() == 0 and len(ar24.requests) == asked  # ... and nothing sent, not even asked

    consent = give_lre_consent(api, ids["debtor_id"], email="paul@example.org", given_on="2026-10-01")
    assert consent.status_code == 201, consent.json
    submitted = lre(api, services, ids["notice_id"])
    [mail] = ar24.mails
    assert submitted["status"] == "submitted" and mail.fields["dest_statut"] == "particulier"
    assert (mail.fields["to_lastname"], mail.fields["to_email"]) == ("Paul Lefèvre", "paul@example.org")
    ar24.advance(str(mail.id), "ev", deposited_now(services))  # AR24 deposits and notifies at once
    with pytest.raises(ValueError, match="15 days"):  # the twin holds AR24 to C. postes R53-3
        ar24.advance(str(mail.id), "ng", paris(30, 9))
    ar24.advance(str(mail.id), "ng", paris(5, 9, month=1))  # 16 days after: neglected
    move_to(services, paris(5, 12, month=1))
    poll_delivery(services, tenant_of(api), {"delivery_id": submitted["id"]})
    delivery = api.get(f"/v1/deliveries/{submitted['id']}").json
    assert sorted(f["kind"] for f in delivery["facts"]) == ["deposited", "expired", "submitted"]
    assert sorted(e["kind"] for e in delivery["evidence"]) == ["deposit_proof", "lre_proof"]
    receipt = api.get(f"/v1/cases/{ids['case_id']}").json["notices"][0]["receipt"]
    assert (receipt["receipt_date"], receipt["receipt"]) == ("2026-12-20", "deemed")  # notified at the deposit
    assert receipt["deadline_date"] == "2026-12-28"
    assert delivery["status"] == "expired"


def test_a_refused_lre_is_deemed_received_at_its_notification(api: Api, services: Services, ar24: Ar24Twin) -> None:
    configure(api, AR24, ar24)
    ids = issued_notice(api, services)
    submitted = lre(api, services, ids["notice_id"], recipient_email=RECIPIENT)
    [mail] = ar24.mails
    deposit = deposited_now(services)
    ar24.advance(str(mail.id), "rf", paris(22, 15))  # reported before the deposit: reordered
    ar24.advance(str(mail.id), "ev", deposit)
    move_to(services, paris(22, 16))
    poll_delivery(services, tenant_of(api), {"delivery_id": submitted["id"]})
    delivery = api.get(f"/v1/deliveries/{submitted['id']}").json
    assert delivery["status"] == "refused"
    assert sorted(e["kind"] for e in delivery["evidence"]) == ["deposit_proof", "lre_proof"]
    receipt = api.get(f"/v1/cases/{ids['case_id']}").json["notices"][0]["receipt"]
    assert (receipt["receipt_date"], receipt["receipt"]) == ("2026-12-20", "deemed")


def test_bad_configuration_and_bad_dispatches_answer_problems_and_send_nothing(
    api: Api, services: Services, ar24: Ar24Twin
) -> None:
    good = account(AR24, ar24)["credentials"]
    cases: list[tuple[dict[str, Any], str]] = [
        (account(AR24, ar24, credentials={**good, "private_key": "not-the-key"}), "credentials.private_key"),
        (account(AR24, ar24, credentials={**good, "token": "not-the-token"}), "credentials.token"),
        (account(AR24, ar24, credentials={**good, "user_id": "999"}), "credentials.user_id"),
        (account(AR24, ar24, credentials={"token": TOKEN, "user_id": USER_ID}), "credentials.private_key"),
        (account(AR24, ar24, credentials={**good, "service_id": "x"}), "credentials.service_id"),
        (account(AR24, ar24, credentials={**good, "token": 7}), "credentials.token"),
        (account(AR24, ar24, base_url="ftp://ar24.example"), "base_url"),
        (account(AR24, ar24, base_url=None), "base_url"),
    ]
    for body, field in cases:
        response = api.client.put("/v1/providers/ar24", json=body, headers=api.headers)
        assert response.status_code == 422 and response.mimetype == "application/problem+json", (body, response.json)
        assert field in {e["field"] for e in (response.json or {})["errors"]}, (field, response.json)
        assert PRIVATE_KEY not in response.get_data(as_text=True)
    assert api.get("/v1/providers/ar24").status_code == 404  # nothing half-written
    ar24.fail_next(502)
    assert api.client.put("/v1/providers/ar24", json=account(AR24, ar24), headers=api.headers).status_code == 502
    ids = issued_notice(api, services)
    no_account = api.post(
        f"/v1/notices/{ids['notice_id']}/deliveries",
        {"channel": "electronic_registered", "provider": "ar24", "recipient_email": RECIPIENT},
    )
    assert no_account.status_code == 422 and "PUT /v1/providers/ar24" in no_account.json["detail"]
    configure(api, AR24, ar24)
    for body, field in [
        ({"channel": "registered_letter", "provider": "ar24"}, "provider"),  # AR24 carries LRE only
        ({"channel": "electronic_registered", "provider": "ar24"}, "recipient_email"),  # the debtor has none
        ({"channel": "electronic_registered", "provider": "ar24", "recipient_email": "x" * 300}, "recipient_email"),
        ({"channel": "electronic_registered", "provider": "ar25", "recipient_email": RECIPIENT}, "provider"),
    ]:
        bad = api.post(f"/v1/notices/{ids['notice_id']}/deliveries", body)
        assert bad.status_code == 422 and bad.mimetype == "application/problem+json", (body, bad.json)
        assert field in {e["field"] for e in bad.json["errors"]}, (body, bad.json)
    assert ar24.received() == 0


def test_a_recipient_ar24_refuses_fails_the_delivery_with_its_reason(
    api: Api, services: Services, ar24: Ar24Twin
) -> None:
    configure(api, AR24, ar24)
    ids = issued_notice(api, services)
    for email, slug in [(SENDER_EMAIL, "same_sender_recipients_emails"), ("paul@", "recipient")]:
        failed = lre(api, services, ids["notice_id"], recipient_email=email)
        assert failed["status"] == "failed" and failed["failure"]["code"] == "invalid-request", failed
        assert "recipient.email" in failed["failure"]["reason"] and slug in failed["failure"]["reason"]
        [fact] = [f for f in failed["facts"] if f["kind"] == "failed"]
        assert fact["detail"]["reason"] == failed["failure"]["reason"]
    assert ar24.received() == 0  # nothing half-sent


def test_5xx_then_success_and_a_lost_answer_posts_one_mail(api: Api, services: Services, ar24: Ar24Twin) -> None:
    configure(api, AR24, ar24)
    ids = issued_notice(api, services)
    queued = dispatch(
        api, ids["notice_id"], channel="electronic_registered", provider="ar24", recipient_email=RECIPIENT
    )
    ar24.fail_next(503)
    worker.run_until_idle(services)
    assert api.get(f"/v1/deliveries/{queued['id']}").json["status"] == "queued"  # retried later, not failed
    ar24.drop_after_accept()  # the next try: AR24 takes the mail, the answer is lost
    assert isinstance(services.clock, FixedClock)
    services.clock.advance(timedelta(seconds=5))
    worker.run_until_idle(services)
    delivery = api.get(f"/v1/deliveries/{queued['id']}").json
    [mail] = ar24.mails
    assert delivery["status"] == "submitted" and delivery["provider_reference"] == str(mail.id)
    assert ar24.received(str(queued["id"])) == 1
