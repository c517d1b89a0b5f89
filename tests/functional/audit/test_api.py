"""``/v1/audit`` through the Flask test client: records, checkpoint, proofs checked by the domain verifier."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.domain.audit.checkpoint import parse_and_verify_checkpoint, parse_verifier_key
from notice_service.domain.audit.merkle import verify_consistency, verify_inclusion
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.audit.checkpoint import checkpoint_log
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.conftest import NOW, Api
from tests.services.tsa import TsaService

UNREACHABLE = "http://127.0.0.1:9/tsa"  # the discard port: connection refused

DEBTOR = {
    "kind": "business",
    "name": "Client SA",
    "siren": "732829320",
    "address": {"lines": ["1 rue de la Paix"], "postal_code": "75002", "city": "Paris"},
}


def _tenant_id(api: Api) -> str:
    return str(api.get("/v1/audit/records?limit=1").get_json()["records"][0]["record"]["subject"]["id"])


def test_records_are_filtered_and_paginated(api: Api) -> None:
    debtor_ids = [api.post("/v1/debtors", DEBTOR).get_json()["id"] for _ in range(3)]
    page = api.get("/v1/audit/records?limit=2").get_json()
    assert [r["index"] for r in page["records"]] == [0, 1] and page["next_after"] == 1
    rest = api.get(f"/v1/audit/records?after={page['next_after']}").get_json()
    assert [r["index"] for r in rest["records"]] == [2, 3, 4] and rest["next_after"] is None
    one = api.get(f"/v1/audit/records?subject_type=debtor&subject_id={debtor_ids[1]}").get_json()
    assert [r["record"]["action"] for r in one["records"]] == ["debtor:registered"]
    assert one["records"][0]["canonical"].encode().count(b" ") == 0


def test_proofs_verify_against_the_signed_checkpoint(api: Api, services: Services) -> None:
    for _ in range(4):
        api.post("/v1/debtors", DEBTOR)
    checkpoint_log(services, _tenant_id(api))
    latest = api.get("/v1/audit/checkpoints/latest").get_json()
    keys = api.get("/v1/audit/keys").get_json()
    assert keys["current"]["fingerprint"] == keys["history"][0]["fingerprint"] == latest["key_fingerprint"]
    name, public = parse_verifier_key(keys["history"][0]["vkey"])
    checkpoint = parse_and_verify_checkpoint(latest["note"].encode(), {name: public})
    assert checkpoint.size == latest["size"] == 7 and latest["time_stamp_response"] is None
    for index in range(checkpoint.size):
        proof = api.get(f"/v1/audit/proofs/inclusion?index={index}&tree_size=7").get_json()
        path = [bytes.fromhex(node) for node in proof["proof"]]
        verify_inclusion(bytes.fromhex(proof["leaf_hash"]), index, 7, path, checkpoint.root)
    for first in range(1, 8):
        proof = api.get(f"/v1/audit/proofs/consistency?from={first}&to=8").get_json()
        path = [bytes.fromhex(node) for node in proof["proof"]]
        root8 = bytes.fromhex(proof["root_to"])
        verify_consistency(first, 8, path, bytes.fromhex(proof["root_from"]), root8)
    seven = api.get("/v1/audit/proofs/consistency?from=7&to=8").get_json()
    assert base64.b64encode(bytes.fromhex(seven["root_from"])) == latest["note"].split("\n")[2].encode()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/v1/audit/proofs/inclusion?index=2&tree_size=2", "index"),
        ("/v1/audit/proofs/inclusion?index=0&tree_size=99", "tree_size"),
        ("/v1/audit/proofs/inclusion?index=x&tree_size=2", "index"),
        ("/v1/audit/proofs/inclusion?index=0", "tree_size"),
        ("/v1/audit/proofs/consistency?from=2&to=1", "from"),
        ("/v1/audit/proofs/consistency?from=1&to=99", "to"),
        ("/v1/audit/proofs/consistency?from=1.5&to=2", "from"),
        ("/v1/audit/records?limit=0", "limit"),
        ("/v1/audit/records?subject_type=debtor", "subject_id"),
    ],
)
def test_bad_parameters_answer_problems_naming_them(api: Api, query: str, field: str) -> None:
    response = api.get(query)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert response.get_json()["errors"][0]["field"] == field


def test_another_tenants_log_is_invisible(api: Api, other_api: Api) -> None:
    api.post("/v1/debtors", DEBTOR)
    mine = api.get("/v1/audit/records").get_json()["records"]
    theirs = other_api.get("/v1/audit/records").get_json()["records"]
    assert {r["record"]["log"] for r in mine}.isdisjoint({r["record"]["log"] for r in theirs})
    assert other_api.get("/v1/audit/checkpoints/latest").status_code == 404
    assert api.get("/v1/audit/records").status_code == 200


def test_a_checkpoint_is_signed_on_demand_and_refused_when_nothing_is_new(
    api: Api, other_api: Api, services: Services
) -> None:
    api.post("/v1/debtors", DEBTOR)
    created = api.post("/v1/audit/checkpoints", key="checkpoint-1")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["size"] == 4 and body["anchor_index"] == 4, "2 onboarding records, 1 debtor, the key activation"
    assert api.post("/v1/audit/checkpoints", key="checkpoint-1").get_json() == body, "an idempotent replay"
    assert api.get("/v1/audit/checkpoints/latest").get_json() == body
    signer = services.checkpoint_signer
    assert signer is not None
    assert parse_and_verify_checkpoint(body["note"].encode(), {signer.key_name: signer.public_key()}).size == 4
    again = api.post("/v1/audit/checkpoints")
    assert again.status_code == 409 and again.content_type == "application/problem+json"
    assert "Nothing new to sign" in again.get_json()["detail"]
    assert other_api.get("/v1/audit/checkpoints/latest").status_code == 404, "tenant-scoped"
    api.post("/v1/debtors", DEBTOR)
    assert api.post("/v1/audit/checkpoints").get_json()["size"] == 6, "the anchor record 4 and the debtor 5"


@pytest.mark.tsa
def test_a_time_stamping_failure_answers_a_problem_and_stores_no_checkpoint(tmp_path: Path, tsa: TsaService) -> None:
    database = f"sqlite:///{tmp_path / 'n.db'}"
    settings = Settings(
        data_dir=tmp_path, database_url=database, tsa_urls=(UNREACHABLE,), tsa_roots_pem=tsa.root_pem_path
    )
    services = build_services(settings, clock=FixedClock(NOW))
    try:
        api_key = create_tenant(services, name="Atelier Durand", siren="404833048").api_key
        with create_app(services=services).test_client() as client:
            response = client.post("/v1/audit/checkpoints", headers={"Authorization": f"Bearer {api_key}"})
            assert response.status_code == 503 and response.content_type == "application/problem+json"
            assert UNREACHABLE in response.get_json()["detail"]
            latest = client.get("/v1/audit/checkpoints/latest", headers={"Authorization": f"Bearer {api_key}"})
            assert latest.status_code == 404
    finally:
        services.db.engine.dispose()
