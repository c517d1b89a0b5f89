"""A mise en demeure sent through Maileva (the real adapter against its twin), on SQLite and PostgreSQL: the
account configured with its two secrets sealed (never answered, never audited, never logged), the delivery
queued in the business transaction and submitted by the worker (sending, document, recipient, submission),
then the polled La Poste codes and proofs (deposit proof, scanned AR) leading to the receipt date and the
deadline; and what goes wrong: wrong credentials, unknown fields, a 5xx then success and a 429 that backs off
the whole account (``test_provider_retries.py``), addresses Maileva cannot print, a letter unclaimed."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select

from notice_service import worker
from notice_service.db.models.providers import ProviderAccount
from notice_service.services import Services
from notice_service.use_cases.delivery.polling import poll_delivery
from tests.functional.conftest import Api
from tests.functional.delivery.providers import (
    MAILEVA,
    account,
    assert_actual_receipt,
    assert_secrets_nowhere,
    at,
    configure,
    tenant_of,
)
from tests.functional.delivery.test_deliveries import dispatch, issued_notice
from tests.functional.notices.test_formal_notice_flow import DEBTOR
from tests.twins.maileva import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, MailevaTwin

SECRETS = MAILEVA.secrets


def credentials(**changes: Any) -> dict[str, Any]:
    return {**MAILEVA.credentials, **changes}


def poll(api: Api, services: Services, delivery_id: object) -> dict[str, Any]:
    poll_delivery(services, tenant_of(api), {"delivery_id": str(delivery_id)})
    return dict(api.get(f"/v1/deliveries/{delivery_id}").json)


def test_a_formal_notice_through_maileva_to_its_receipt_and_deadline(
    api: Api, services: Services, maileva: MailevaTwin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    configured = configure(api, MAILEVA, maileva)
    assert configured["secrets"] == {
        "client_secret": {"configured": True, "last4": CLIENT_SECRET[-4:]},
        "password": {"configured": True, "last4": PASSWORD[-4:]},
    }
    assert configured["credentials"] == {"client_id": CLIENT_ID, "username": USERNAME}
    for path in ("/v1/providers/maileva", "/v1/providers"):
        read = api.get(path)
        assert read.status_code == 200 and not any(s in read.get_data(as_text=True) for s in SECRETS)
    ids = issued_notice(api, services)
    queued = dispatch(api, ids["notice_id"], channel="registered_letter", provider="maileva")
    assert queued["status"] == "queued" and maileva.received() == 0  # nothing leaves inside the transaction
    worker.run_until_idle(services)
    submitted = api.get(f"/v1/deliveries/{queued['id']}").json
    [sending] = maileva.sendings
    [recipient] = sending.recipients
    assert submitted["status"] == "submitted" and submitted["provider_reference"] == sending.id
    assert (submitted["tracking_number"], submitted["price"]) == (recipient["registered_number"], "7.45")
    assert sending.body["custom_id"] == queued["id"] and sending.body["acknowledgement_of_receipt"] is True
    assert (recipient["address_line_1"], recipient["address_line_2"]) == (
        "Boulangerie Martin SARL",
        "8 avenue Jean Jaurès",
    )
    assert recipient["address_line_6"] == "75019 Paris" and recipient["country_code"] == "FR"
    assert sending.body["sender_address_line_6"] == "69002 Lyon" and len(sending.documents) == 1

    maileva.advance(sending.id, "LP09", at(22))  # the avis de passage, reported before the deposit: reordered
    maileva.advance(sending.id, "LP01", at(21))
    maileva.advance(sending.id, "LP01", at(21))  # and twice
    poll(api, services, queued["id"])
    maileva.advance(sending.id, "LP15", at(23, 11))  # Wednesday 23 December: delivered, the AR scanned
    poll(api, services, queued["id"])
    delivery = poll(api, services, queued["id"])  # a third poll adds nothing

    sources = sorted(f["source_event_id"] for f in delivery["facts"])
    assert sources == sorted(
        [f"maileva:submitted:{sending.id}"]
        + [
            f"maileva:poll:{code}:{sending.id}"
            for code in ("LP01", "DEPOSIT_PROOF", "LP09", "LP15", "ACKNOWLEDGEMENT_OF_RECEIPT")
        ]
    )
    assert delivery["status"] == "delivered"
    assert sorted(e["kind"] for e in delivery["evidence"]) == ["acknowledgement_of_receipt", "deposit_proof"]
    for evidence in delivery["evidence"]:
        assert services.store.get(f"sha256/{evidence['sha256']}").startswith(b"%PDF-")  # stored WORM
    assert_actual_receipt(api, ids["case_id"], delivery, "2026-12-23", "2026-12-31")
    assert_secrets_nowhere(services, tenant_of(api), caplog, SECRETS)


def test_an_unclaimed_letter_gives_a_deemed_receipt_from_the_first_presentation(
    api: Api, services: Services, maileva: MailevaTwin
) -> None:
    configure(api, MAILEVA, maileva)
    ids = issued_notice(api, services)
    queued = dispatch(api, ids["notice_id"], channel="registered_letter", provider="maileva")
    worker.run_until_idle(services)
    [sending] = maileva.sendings
    for code, moment in (("LP01", at(1)), ("LP09", at(2)), ("LP19", at(17)), ("LP17", at(19))):
        maileva.advance(sending.id, code, moment)
    delivery = poll(api, services, queued["id"])
    kinds = {f["kind"] for f in delivery["facts"]}
    assert kinds == {"submitted", "deposited", "first_presented", "unclaimed", "returned"}
    assert sorted(e["kind"] for e in delivery["evidence"]) == ["deposit_proof", "returned_envelope"]
    receipt = api.get(f"/v1/cases/{ids['case_id']}").json["notices"][0]["receipt"]
    assert (receipt["receipt_date"], receipt["receipt"]) == ("2026-12-02", "deemed")


def test_bad_configuration_answers_problems_and_stores_nothing(
    api: Api, services: Services, maileva: MailevaTwin
) -> None:
    given = partial(account, MAILEVA, maileva)
    cases: list[tuple[str, dict[str, Any], int, str | None]] = [
        ("/v1/providers/maileva", given(credentials=credentials(password="wrong")), 422, "credentials.password"),
        (
            "/v1/providers/maileva",
            given(credentials=credentials(client_secret="wrong")),
            422,
            "credentials.client_secret",
        ),
        ("/v1/providers/maileva", given(credentials=credentials(username="nobody")), 422, "credentials.password"),
        ("/v1/providers/la_poste_magique", given(), 404, None),
        ("/v1/providers/maileva", given(credentials={"client_id": CLIENT_ID}), 422, "credentials.password"),
        ("/v1/providers/maileva", given(credentials=credentials(pin="1")), 422, "credentials.pin"),
        ("/v1/providers/maileva", given(credentials=credentials(auth_url="sso")), 422, "credentials.auth_url"),
        ("/v1/providers/maileva", given(credentials=credentials(password=7)), 422, "credentials.password"),
        ("/v1/providers/maileva", given(base_url="ftp://example.org"), 422, "base_url"),
        ("/v1/providers/maileva", given(base_url=None), 422, "base_url"),
        ("/v1/providers/maileva", given(environment="moon"), 422, "environment"),
        ("/v1/providers/maileva", given(return_address={"lines": []}), 422, "return_address.lines"),
        ("/v1/providers/maileva", {**given(), "extra": 1}, 422, "extra"),
    ]
    for path, body, status, field in cases:
        response = api.client.put(path, json=body, headers=api.headers)
        assert response.status_code == status, (path, body, response.json)
        assert response.mimetype == "application/problem+json"
        if field is not None:
            assert field in {e["field"] for e in response.json["errors"]}, response.json
        assert not any(secret in response.get_data(as_text=True) for secret in SECRETS)
    assert api.get("/v1/providers/maileva").status_code == 404
    with services.db.reading() as session:
        stored = select(ProviderAccount).where(ProviderAccount.tenant_id == tenant_of(api))
        assert session.execute(stored).first() is None  # nothing half-written
    maileva.fail_next(503)
    unavailable = api.client.put("/v1/providers/maileva", json=account(MAILEVA, maileva), headers=api.headers)
    assert unavailable.status_code == 502 and unavailable.mimetype == "application/problem+json"
    ids = issued_notice(api, services)
    refused = api.post(
        f"/v1/notices/{ids['notice_id']}/deliveries", {"channel": "registered_letter", "provider": "maileva"}
    )
    assert refused.status_code == 422 and "PUT /v1/providers/maileva" in refused.json["detail"]
    configure(api, MAILEVA, maileva)
    simple = api.post(f"/v1/notices/{ids['notice_id']}/deliveries", {"channel": "letter", "provider": "maileva"})
    assert simple.status_code == 422 and "provider" in {e["field"] for e in simple.json["errors"]}
    assert maileva.received() == 0


@pytest.mark.parametrize(
    ("debtor", "code", "field"),
    [
        ({"name": "Boulangerie-Pâtisserie Martin et Fils SARL"}, "address-too-long", "recipient.lines[0]"),
        ({"city": "Saint-Rémy-en-Bouzemont-Saint-Genest-et-Isson"}, "address-too-long", "recipient.city"),
        ({"country": "BE", "postal_code": "1000", "city": "Bruxelles"}, "unsupported-country", "recipient.country"),
    ],
)
def test_an_address_maileva_cannot_print_fails_the_delivery_before_any_call(
    api: Api, services: Services, maileva: MailevaTwin, debtor: dict[str, Any], code: str, field: str
) -> None:
    """The API takes address lines of 38 characters (four at most) and checks French postal codes; the debtor's
    name, the postal code with the city, and the country are what Maileva can still refuse: the adapter refuses
    them first."""
    configure(api, MAILEVA, maileva)
    address = {k: v for k, v in debtor.items() if k != "name"}
    named = {**DEBTOR, **({"name": debtor["name"]} if "name" in debtor else {})}
    ids = issued_notice(api, services, debtor={**named, "address": {**DEBTOR["address"], **address}})
    queued = dispatch(api, ids["notice_id"], channel="registered_letter", provider="maileva")
    before = len(maileva.requests)
    worker.run_until_idle(services)
    failed = api.get(f"/v1/deliveries/{queued['id']}").json
    assert failed["status"] == "failed" and failed["failure"]["code"] == code, failed["failure"]
    assert field in failed["failure"]["reason"]
    [fact] = [f for f in failed["facts"] if f["kind"] == "failed"]
    assert fact["detail"]["reason"] == failed["failure"]["reason"]
    assert maileva.sendings == [] and len(maileva.requests) == before  # refused before any call: nothing half-sent


def test_missing_credit_fails_the_delivery_and_a_later_rejection_is_a_failed_fact(
    api: Api, services: Services, maileva: MailevaTwin
) -> None:
    configure(api, MAILEVA, maileva)
    ids = issued_notice(api, services)
    broke = dispatch(api, ids["notice_id"], channel="registered_letter", provider="maileva")
    maileva.fail_on("POST", "/sendings", 402)
    worker.run_until_idle(services)
    failed = api.get(f"/v1/deliveries/{broke['id']}").json
    assert failed["status"] == "failed" and failed["failure"]["code"] == "insufficient-credit"
    assert "credit" in failed["failure"]["reason"] and maileva.sendings == []  # nothing half-sent

    rejected = dispatch(api, ids["notice_id"], channel="registered_letter", provider="maileva")
    worker.run_until_idle(services)
    [sending] = maileva.sendings
    maileva.reject(sending.id, services.clock.now() + timedelta(hours=2))  # after its submission
    delivery = poll(api, services, rejected["id"])
    assert delivery["status"] == "failed"
    assert f"maileva:poll:REJECTED:{sending.id}" in {f["source_event_id"] for f in delivery["facts"]}
