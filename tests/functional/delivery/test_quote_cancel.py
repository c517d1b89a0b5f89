"""The provider's price before sending (``GET /v1/notices/{id}/delivery-quote``) and cancelling a letter while the
provider allows it (``POST /v1/deliveries/{id}/cancel``), against Merci Facteur's twin (which has both) and
AR24's (which has neither: an LRE leaves at its deposit), on SQLite and PostgreSQL, with a bad-input sweep.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from notice_service import worker
from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.delivery import Delivery
from notice_service.db.models.outbox import OutboxMessage
from notice_service.services import Services
from notice_service.use_cases.delivery.polling import poll_delivery
from tests.functional.conftest import Api
from tests.functional.delivery.providers import AR24, MERCI_FACTEUR, configure, tenant_of
from tests.functional.delivery.test_ar24 import RECIPIENT
from tests.functional.delivery.test_deliveries import dispatch, issued_notice
from tests.functional.notices.test_formal_notice_flow import DEBTOR
from tests.twins.ar24 import SENDER_EMAIL, Ar24Twin
from tests.twins.merci_facteur import MerciFacteurTwin

PROBLEM = "application/problem+json"


def quote(api: Api, notice_id: str, query: str) -> Any:
    return api.get(f"/v1/notices/{notice_id}/delivery-quote?{query}")


def deliveries_of(api: Api, services: Services) -> list[str]:
    """The tenant's deliveries (a shared PostgreSQL holds other tests' too)."""
    with services.db.reading() as session:
        return list(session.execute(select(Delivery.id).where(Delivery.tenant_id == tenant_of(api))).scalars())


def test_the_quote_is_the_providers_price_and_sends_nothing(api: Api, services: Services, mf: MerciFacteurTwin) -> None:
    configure(api, MERCI_FACTEUR, mf)
    ids = issued_notice(api, services)
    asked = quote(api, ids["notice_id"], "channel=registered_letter&provider=merci_facteur")
    assert asked.status_code == 200, asked.json
    assert asked.json == {
        "notice_id": ids["notice_id"],
        "channel": "registered_letter",
        "provider": "merci_facteur",
        "amount": "7.85",
        "currency": "EUR",
    }
    tracked = quote(api, ids["notice_id"], "channel=letter&provider=merci_facteur").json
    assert tracked["amount"] == "2.60"  # another level, another price
    assert mf.received() == 0 and deliveries_of(api, services) == []  # nothing sent, nothing recorded
    assert ("GET", "getPrice") in mf.requests
    queued = dispatch(api, ids["notice_id"], channel="registered_letter", provider="merci_facteur")
    worker.run_until_idle(services)
    assert api.get(f"/v1/deliveries/{queued['id']}").json["price"] == asked.json["amount"]  # charged as quoted


def test_quote_bad_inputs_answer_problems(api: Api, services: Services, mf: MerciFacteurTwin, ar24: Ar24Twin) -> None:
    ids = issued_notice(api, services)
    notice = ids["notice_id"]
    no_account = quote(api, notice, "channel=registered_letter&provider=merci_facteur")
    assert no_account.status_code == 422 and "PUT /v1/providers/merci_facteur" in no_account.json["detail"]
    configure(api, MERCI_FACTEUR, mf)
    configure(api, AR24, ar24)
    unprocessable = [
        ("provider=merci_facteur", "channel"),
        ("channel=registered_letter", "provider"),
        ("channel=pigeon&provider=merci_facteur", "channel"),
        ("channel=registered_letter&provider=laposte_magique", "provider"),
        ("channel=registered_letter&provider=merci_facteur&provider=ar24", "provider"),
        ("channel=registered_letter&provider=merci_facteur&colour=red", "colour"),
        ("channel=registered_letter&provider=ar24", "provider"),  # AR24 carries LRE only
        ("channel=electronic_registered&provider=ar24", "recipient_email"),  # the debtor has no e-mail
    ]
    for query, field in unprocessable:
        bad = quote(api, notice, query)
        assert bad.status_code == 422 and bad.mimetype == PROBLEM, (query, bad.json)
        assert field in {e["field"] for e in bad.json["errors"]}, (query, bad.json)
    for query, code in [
        ("channel=registered_letter&provider=manual", "not-supported"),  # no provider to ask
        (f"channel=electronic_registered&provider=ar24&recipient_email={RECIPIENT}", "not-supported"),
    ]:
        conflict = quote(api, notice, query)
        assert conflict.status_code == 409 and conflict.mimetype == PROBLEM, (query, conflict.json)
        assert conflict.json["code"] == code, conflict.json
    unknown = quote(api, "00000000-0000-4000-8000-000000000000", "channel=registered_letter&provider=merci_facteur")
    assert unknown.status_code == 404 and unknown.mimetype == PROBLEM
    mf.fail_next(503)
    unavailable = quote(api, notice, "channel=registered_letter&provider=merci_facteur")
    assert unavailable.status_code == 502 and unavailable.mimetype == PROBLEM
    assert mf.received() == 0 and ar24.received() == 0 and deliveries_of(api, services) == []


def test_quote_names_the_address_the_provider_refuses(api: Api, services: Services, mf: MerciFacteurTwin) -> None:
    configure(api, MERCI_FACTEUR, mf)
    ids = issued_notice(api, services, debtor={**DEBTOR, "address": {**DEBTOR["address"], "country": "JP"}})
    refused = quote(api, ids["notice_id"], "channel=registered_letter&provider=merci_facteur")
    assert refused.status_code == 422 and refused.mimetype == PROBLEM
    assert [e["field"] for e in refused.json["errors"]] == ["recipient.country"]


def test_a_letter_is_cancelled_until_posted_then_not_cancellable(
    api: Api, services: Services, mf: MerciFacteurTwin
) -> None:
    configure(api, MERCI_FACTEUR, mf)
    ids = issued_notice(api, services)
    first = dispatch(api, ids["notice_id"], channel="registered_letter", provider="merci_facteur")
    early = api.post(f"/v1/deliveries/{first['id']}/cancel", {})
    assert early.status_code == 409 and early.json["code"] == "not-submitted-yet"  # the worker may be sending it
    worker.run_until_idle(services)
    cancelled = api.post(f"/v1/deliveries/{first['id']}/cancel", {})
    assert cancelled.status_code == 200, cancelled.json
    assert cancelled.json["status"] == "cancelled" and cancelled.json["id"] == first["id"]
    [letter] = mf.letters
    assert letter.cancelled  # cancelled at the provider
    again = api.post(f"/v1/deliveries/{first['id']}/cancel", {})
    assert again.status_code == 200 and again.json["status"] == "cancelled"  # idempotent
    with services.db.reading() as session:
        actions = session.execute(
            select(AuditRecord.action).where(
                AuditRecord.tenant_id == tenant_of(api), AuditRecord.subject_id == first["id"]
            )
        ).scalars()
        assert list(actions).count("delivery:cancelled") == 1
        updated = session.execute(
            select(OutboxMessage.topic).where(OutboxMessage.tenant_id == tenant_of(api))
        ).scalars()
        assert "delivery.updated" in set(updated)
    before = len(mf.requests)
    poll_delivery(services, tenant_of(api), {"delivery_id": first["id"]})
    assert len(mf.requests) == before  # a cancelled letter is no longer followed

    second = dispatch(api, ids["notice_id"], channel="registered_letter", provider="merci_facteur")
    worker.run_until_idle(services)
    reference = api.get(f"/v1/deliveries/{second['id']}").json["provider_reference"]
    mf.advance(reference, "pris_en_charge", datetime(2026, 12, 20, 14, tzinfo=UTC))  # posted
    late = api.post(f"/v1/deliveries/{second['id']}/cancel", {})
    assert late.status_code == 409 and late.mimetype == PROBLEM and late.json["code"] == "not-cancellable"
    assert api.get(f"/v1/deliveries/{second['id']}").json["status"] == "submitted"  # nothing changed


def test_cancel_bad_inputs_answer_problems(api: Api, services: Services, mf: MerciFacteurTwin, ar24: Ar24Twin) -> None:
    configure(api, MERCI_FACTEUR, mf)
    configure(api, AR24, ar24)
    ids = issued_notice(api, services)
    manual = dispatch(api, ids["notice_id"], channel="registered_letter", provider="manual")
    lre = dispatch(api, ids["notice_id"], channel="electronic_registered", provider="ar24", recipient_email=RECIPIENT)
    failed = dispatch(  # AR24 refuses a mail to its own sender: the delivery fails for good
        api, ids["notice_id"], channel="electronic_registered", provider="ar24", recipient_email=SENDER_EMAIL
    )
    worker.run_until_idle(services)
    assert api.get(f"/v1/deliveries/{failed['id']}").json["status"] == "failed"
    for delivery_id, status, code in [
        (manual["id"], 409, "not-supported"),  # recorded by hand: nothing to ask a provider
        (lre["id"], 409, "not-cancellable"),  # an LRE leaves at its deposit
        (failed["id"], 409, "not-cancellable"),  # never taken by the provider
    ]:
        response = api.post(f"/v1/deliveries/{delivery_id}/cancel", {})
        assert response.status_code == status and response.mimetype == PROBLEM, response.json
        assert response.json["code"] == code, response.json
    assert api.get(f"/v1/deliveries/{lre['id']}").json["status"] == "submitted"
    missing = api.post("/v1/deliveries/00000000-0000-4000-8000-000000000000/cancel", {})
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    malformed = api.post("/v1/deliveries/not-an-id/cancel", {})
    assert malformed.status_code in (404, 422) and malformed.mimetype == PROBLEM
    assert ar24.received() == 1 and mf.received() == 0
