"""A mise en demeure sent through Merci Facteur (the real adapter against its twin), on SQLite and PostgreSQL:
the account configured with its secret sealed (never answered, never audited, never logged), the delivery
queued in the business transaction and submitted by the worker, then the polled events and proofs leading to
the receipt date and the deadline; and what goes wrong: wrong credentials, unknown provider, 5xx then
success and a 429 that backs off the whole account (``test_provider_retries.py``), an address the provider
refuses."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
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
    MERCI_FACTEUR,
    account,
    assert_actual_receipt,
    assert_secrets_nowhere,
    at,
    configure,
    tenant_of,
)
from tests.functional.delivery.test_deliveries import dispatch, issued_notice
from tests.functional.notices.test_formal_notice_flow import DEBTOR
from tests.twins.merci_facteur import SECRET_KEY, SERVICE_ID, USER_ID, MerciFacteurTwin


def test_a_formal_notice_through_merci_facteur_to_its_receipt_and_deadline(
    api: Api, services: Services, mf: MerciFacteurTwin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    configured = configure(api, MERCI_FACTEUR, mf)
    assert configured["secrets"] == {"secret_key": {"configured": True, "last4": SECRET_KEY[-4:]}}
    assert SECRET_KEY not in json.dumps(configured)
    for path in ("/v1/providers/merci_facteur", "/v1/providers"):
        read = api.get(path)
        assert read.status_code == 200 and SECRET_KEY not in read.get_data(as_text=True)
    ids = issued_notice(api, services)
    queued = dispatch(api, ids["notice_id"], channel="registered_letter", provider="merci_facteur")
    assert queued["status"] == "queued" and mf.received() == 0  # nothing leaves inside the transaction
    worker.run_until_idle(services)
    submitted = api.get(f"/v1/deliveries/{queued['id']}").json
    [letter] = mf.letters
    assert submitted["status"] == "submitted" and submitted["provider_reference"] == letter.ref
    assert (submitted["tracking_number"], submitted["price"], submitted["currency"]) == (letter.tracking, "7.85", "EUR")
    assert letter.antidoublon == queued["id"] and letter.mode == "lrare" and letter.dest["cp"] == "75019"

    mf.advance(letter.ref, "attente_au_guichet", at(22))  # reported before the deposit: reordered
    mf.advance(letter.ref, "pris_en_charge", at(21))
    mf.advance(letter.ref, "pris_en_charge", at(21))  # and twice
    poll_delivery(services, tenant_of(api), {"delivery_id": queued["id"]})
    mf.advance(letter.ref, "distribue", at(23, 11))  # Wednesday 23 December
    poll_delivery(services, tenant_of(api), {"delivery_id": queued["id"]})
    poll_delivery(services, tenant_of(api), {"delivery_id": queued["id"]})  # a second poll adds nothing

    delivery = api.get(f"/v1/deliveries/{queued['id']}").json
    assert [f["kind"] for f in delivery["facts"]].count("deposited") == 1
    assert {f["kind"] for f in delivery["facts"]} == {"submitted", "deposited", "first_presented", "delivered"}
    assert delivery["status"] == "delivered"
    kinds = sorted(e["kind"] for e in delivery["evidence"])
    assert kinds == ["acknowledgement_of_receipt", "deposit_proof"]
    for evidence in delivery["evidence"]:
        assert services.store.get(f"sha256/{evidence['sha256']}")  # stored WORM, content-addressed
    assert_actual_receipt(api, ids["case_id"], delivery, "2026-12-23", "2026-12-31")
    assert_secrets_nowhere(services, tenant_of(api), caplog, MERCI_FACTEUR.secrets)


def test_bad_configuration_answers_problems_and_stores_nothing(
    api: Api, services: Services, mf: MerciFacteurTwin
) -> None:
    given = partial(account, MERCI_FACTEUR, mf)
    wrong = given(credentials={"service_id": SERVICE_ID, "secret_key": "not-the-secret", "user_id": USER_ID})
    cases: list[tuple[str, dict[str, Any], int, str | None]] = [
        ("/v1/providers/merci_facteur", wrong, 422, "credentials.secret_key"),
        ("/v1/providers/laposte_magique", given(), 404, None),
        ("/v1/providers/merci_facteur", given(credentials={"service_id": SERVICE_ID}), 422, "credentials.secret_key"),
        ("/v1/providers/merci_facteur", given(base_url="ftp://example.org"), 422, "base_url"),
        ("/v1/providers/merci_facteur", given(environment="moon"), 422, "environment"),
        ("/v1/providers/merci_facteur", given(return_address={"lines": []}), 422, "return_address.lines"),
        ("/v1/providers/merci_facteur", {**given(), "extra": 1}, 422, "extra"),
        ("/v1/providers/merci_facteur", given(credentials={"service_id": 7}), 422, "credentials.service_id"),
        (
            "/v1/providers/merci_facteur",
            {**given(), "credentials": {**given()["credentials"], "pin": "1"}},
            422,
            "credentials.pin",
        ),
        ("/v1/providers/merci_facteur", given(environment="custom", base_url=None), 422, "base_url"),
    ]
    for path, body, status, field in cases:
        response = api.client.put(path, json=body, headers=api.headers)
        assert response.status_code == status, (path, body, response.json)
        assert response.mimetype == "application/problem+json"
        if field is not None:
            assert field in {e["field"] for e in response.json["errors"]}, response.json
    writer = api.post("/v1/api-keys", {"name": "ERP", "scope": "write"})
    assert writer.status_code == 201, writer.json
    headers = {"Authorization": f"Bearer {writer.json['key']}"}
    forbidden = api.client.put("/v1/providers/merci_facteur", json=given(), headers=headers)
    assert forbidden.status_code == 403 and forbidden.mimetype == "application/problem+json"  # admin keys only
    assert api.get("/v1/providers/merci_facteur").status_code == 404
    assert api.get("/v1/providers").json == {"data": []}
    with services.db.reading() as session:
        stored = select(ProviderAccount).where(ProviderAccount.tenant_id == tenant_of(api))
        assert session.execute(stored).first() is None  # nothing half-written
    mf.fail_next(503)
    unavailable = api.client.put("/v1/providers/merci_facteur", json=given(), headers=api.headers)
    assert unavailable.status_code == 502 and unavailable.mimetype == "application/problem+json"
    ids = issued_notice(api, services)
    refused = api.post(
        f"/v1/notices/{ids['notice_id']}/deliveries", {"channel": "registered_letter", "provider": "merci_facteur"}
    )
    assert refused.status_code == 422 and "PUT /v1/providers/merci_facteur" in refused.json["detail"]
    assert mf.received() == 0


def test_an_address_the_provider_refuses_fails_the_delivery_with_its_reason(
    api: Api, services: Services, mf: MerciFacteurTwin
) -> None:
    configure(api, MERCI_FACTEUR, mf)
    ids = issued_notice(api, services, debtor={**DEBTOR, "address": {**DEBTOR["address"], "country": "JP"}})
    queued = dispatch(api, ids["notice_id"], channel="registered_letter", provider="merci_facteur")
    worker.run_until_idle(services)
    failed = api.get(f"/v1/deliveries/{queued['id']}").json
    assert failed["status"] == "failed" and failed["failure"]["code"] == "unsupported-country"
    assert "recipient.country" in failed["failure"]["reason"]
    [fact] = [f for f in failed["facts"] if f["kind"] == "failed"]
    assert fact["detail"]["reason"] == failed["failure"]["reason"]
    assert mf.received() == 0  # nothing half-sent


def test_costs_sum_the_providers_prices_per_period(api: Api, services: Services, mf: MerciFacteurTwin) -> None:
    configure(api, MERCI_FACTEUR, mf)
    ids = issued_notice(api, services)  # the clock is now 20 December 2026
    for _ in range(2):
        dispatch(api, ids["notice_id"], channel="registered_letter", provider="merci_facteur")
    dispatch(api, ids["notice_id"], channel="registered_letter", provider="manual")  # no price: not counted
    worker.run_until_idle(services)
    costs = api.get("/v1/delivery-costs?from=2026-12-01&to=2026-12-31")
    assert costs.status_code == 200, costs.json
    assert costs.json["count"] == 2 and costs.json["totals"] == [{"currency": "EUR", "amount": "15.70"}]
    assert costs.json["by_provider"] == [
        {"provider": "merci_facteur", "currency": "EUR", "amount": "15.70", "count": 2}
    ]
    assert api.get("/v1/delivery-costs?from=2026-11-01&to=2026-11-30").json["totals"] == []
    for query, field in [
        ("from=2026-12-01", "to"),
        ("from=2026-12-01&to=31/12/2026", "to"),
        ("from=2026-12-31&to=2026-12-01", "to"),
        ("from=2026-12-01&to=2026-12-31&to=2026-12-30", "to"),
        ("from=2026-12-01&to=2026-12-31&provider=x", "provider"),
    ]:
        bad = api.get(f"/v1/delivery-costs?{query}")
        assert bad.status_code == 422 and bad.mimetype == "application/problem+json", (query, bad.json)
        assert field in {e["field"] for e in bad.json["errors"]}, (query, bad.json)


def test_an_event_seen_by_webhook_then_by_poll_is_recorded_once(
    api: Api, services: Services, mf: MerciFacteurTwin
) -> None:
    from notice_service.use_cases.delivery.inbound import create_inbound_secret
    from tests.functional.delivery.test_channels import merci_facteur_form, stamp

    configure(api, MERCI_FACTEUR, mf)
    ids = issued_notice(api, services)
    queued = dispatch(api, ids["notice_id"], channel="registered_letter", provider="merci_facteur")
    worker.run_until_idle(services)
    [letter] = mf.letters
    tenant = tenant_of(api)
    key = create_inbound_secret(services, tenant, "merci_facteur")
    form = merci_facteur_form("new-state", "attente_au_guichet", stamp(2026, 12, 22), ref_courrier=letter.ref)
    pushed = api.client.post(
        f"/v1/providers/merci_facteur/events?tenant={tenant}", data=form, headers={"X-Mf-Webhook-Secret-Key": key}
    )
    assert pushed.status_code == 200 and pushed.json["recorded"] == 1, pushed.json
    mf.advance(letter.ref, "attente_au_guichet", datetime(2026, 12, 22, 9, tzinfo=UTC))
    mf.advance(letter.ref, "pris_en_charge", at(21))
    poll_delivery(services, tenant, {"delivery_id": queued["id"]})
    kinds = [f["kind"] for f in api.get(f"/v1/deliveries/{queued['id']}").json["facts"]]
    assert sorted(kinds) == ["deposited", "first_presented", "submitted"]  # the avis de passage once
