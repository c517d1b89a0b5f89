"""Requests around the dossier export: an ``Idempotency-Key`` replay answers the same dossier, bad requests are
problems that write nothing, and ``audit/verify.py dossier --signer-ca`` anchors the manifest's signer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from notice_service.adapters.signing.development_certificate import CA_PEM_NAME, ensure_development_identity
from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.dossier import Dossier
from notice_service.db.models.idempotency import IdempotencyKey
from notice_service.db.models.outbox import OutboxMessage
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.conftest import CREDITOR_PROFILE, NOW, Api
from tests.functional.dossier.test_export import _second_half_2026_rate, export, run_verifier
from tests.functional.notices.test_formal_notice_flow import open_case

PROBLEM = "application/problem+json"
COUNTED = (Dossier, OutboxMessage, AuditRecord, IdempotencyKey)


@dataclass(frozen=True)
class World:
    services: Services
    api: Api
    other: Api
    case_id: str
    dossier: dict[str, Any]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir = tmp_path_factory.mktemp("dossier-requests")
    services = build_services(Settings(data_dir=data_dir), clock=FixedClock(NOW))
    try:
        with create_app(services=services).test_client() as client:
            api = Api(
                client, create_tenant(services, name="Atelier", siren="404833048", profile=CREDITOR_PROFILE).api_key
            )
            other = Api(
                client, create_tenant(services, name="Autre", siren="552100554", profile=CREDITOR_PROFILE).api_key
            )
            case_id = str(open_case(api, with_pdf=True)["case_id"])
            _second_half_2026_rate(services)
            yield World(services, api, other, case_id, export(api, case_id))
    finally:
        services.db.engine.dispose()


def written(services: Services) -> dict[str, int]:
    """Rows of every table an export writes, and the files of the document store."""
    with services.db.reading() as session:
        rows = {m.__tablename__: session.execute(select(func.count()).select_from(m)).scalar_one() for m in COUNTED}
    rows["stored files"] = sum(len(files) for _, _, files in os.walk(services.settings.store_path))
    return rows


def test_an_idempotency_key_replay_answers_the_same_dossier(world: World) -> None:
    first = world.api.post(f"/v1/cases/{world.case_id}/dossiers", {}, key="export-2026-11-20")
    assert first.status_code == 201, first.json
    before = written(world.services)
    replay = world.api.post(f"/v1/cases/{world.case_id}/dossiers", {}, key="export-2026-11-20")
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json == first.json
    assert written(world.services) == before
    reused = world.api.post(
        f"/v1/cases/{world.case_id}/dossiers", {"override_prescription": {"reason": "autre"}}, key="export-2026-11-20"
    )
    assert reused.status_code == 422 and reused.json["type"].endswith("/idempotency-key-reused")
    assert written(world.services) == before


def _bad_requests(world: World) -> list[tuple[str, str, Any, int, str]]:
    """(who, path, body, status, problem type) of each bad request: GET unless the path ends in /dossiers."""
    case, dossier = f"/v1/cases/{world.case_id}/dossiers", f"/v1/dossiers/{world.dossier['id']}"
    return [
        ("api", "/v1/cases/no-such-case/dossiers", {}, 404, "not-found"),
        ("other", case, {}, 404, "not-found"),
        ("other", dossier, None, 404, "not-found"),
        ("other", f"{dossier}/archive", None, 404, "not-found"),
        ("api", "/v1/dossiers/no-such-dossier", None, 404, "not-found"),
        ("api", "/v1/dossiers/no-such-dossier/archive", None, 404, "not-found"),
        ("api", case, {"override_prescription": {"reason": "x"}}, 422, "invalid-input"),
        ("api", case, {"override_prescription": "yes"}, 422, "invalid-input"),
        ("api", case, {"override_prescription": {"reason": "r" * 2001}}, 422, "invalid-input"),
        ("api", case, {"override_prescription": {"reason": "valid reason", "by": "me"}}, 422, "invalid-input"),
        ("api", case, {"override": {"reason": "valid reason"}}, 422, "invalid-input"),
        ("api", case, ["override_prescription"], 422, "invalid-input"),
    ]


@pytest.mark.parametrize("number", range(12))
def test_bad_requests_are_problems_and_write_nothing(world: World, number: int) -> None:
    who, path, body, status, problem = _bad_requests(world)[number]
    client = world.api if who == "api" else world.other
    before = written(world.services)
    response = client.post(path, body) if path.endswith("/dossiers") else client.get(path)
    assert response.status_code == status, response.json
    assert response.mimetype == PROBLEM and response.json["type"].endswith(f"/{problem}")
    assert written(world.services) == before


def test_a_body_that_is_not_json_is_a_problem_and_writes_nothing(world: World) -> None:
    before = written(world.services)
    response = world.api.client.post(
        f"/v1/cases/{world.case_id}/dossiers",
        data=b"{not json",
        headers=world.api.headers,
        content_type="application/json",
    )
    assert response.status_code in (400, 422) and response.mimetype == PROBLEM
    assert written(world.services) == before


def test_verify_accepts_the_signers_ca_and_rejects_another(world: World, tmp_path: Path) -> None:
    path = tmp_path / "dossier.zip"
    path.write_bytes(world.api.get(str(world.dossier["archive_url"])).data)
    right_ca = world.services.settings.keys_dir / CA_PEM_NAME
    accepted = run_verifier(path, "--signer-ca", str(right_ca))
    assert accepted.returncode == 0, accepted.stdout
    assert "chain checked against --signer-ca" in accepted.stdout

    ensure_development_identity(tmp_path / "elsewhere", organisation="Another service")
    refused = run_verifier(path, "--signer-ca", str(tmp_path / "elsewhere" / CA_PEM_NAME))
    assert refused.returncode == 1, refused.stdout
    assert "FAIL manifest-signature-invalid" in refused.stdout
