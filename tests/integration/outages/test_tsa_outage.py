"""The TSA down while letters are issued (certomancer's TSA over HTTP; a down TSA is a port nothing listens on).

Behaviour: with two TSAs configured and the first down, issuing fails over to the second and the letter's
signature carries its time-stamp; with every TSA down, issuing answers ``503 timestamp-failed`` naming each
TSA, with ``Retry-After``, and no letter is issued without its time-stamp (the notice stays a draft, nothing is
audited); the draft stays issuable: with a TSA answering (the same database and store, the timestamper keeps no
state between calls) the same notice issues. The profile here demands a time-stamp (PAdES B-LT).
"""

from __future__ import annotations

import dataclasses
import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from notice_service.adapters.pdf.weasyprint_renderer import WeasyPrintRenderer
from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.db.models.audit_log import AuditRecord
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.conftest import CREDITOR_PROFILE, NOW, Api
from tests.functional.notices.test_formal_notice_flow import open_case
from tests.functional.notices.test_letters import hidden_deadline_templates
from tests.services.tsa import TsaService

pytestmark = pytest.mark.tsa


def down_tsa_url() -> str:
    """A TSA that is down: a local port bound then released, so connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"


def services_with(tsa: TsaService, data_dir: Path, urls: tuple[str, ...]) -> Services:
    settings = Settings(
        data_dir=data_dir,
        signing_p12=tsa.signer_p12,
        signing_roots_pem=tsa.root_pem_path,
        tsa_urls=urls,
        tsa_roots_pem=tsa.root_pem_path,
        pades_level="B-LT",
    )
    return build_services(settings.validate(), clock=FixedClock(NOW))


@pytest.fixture
def make_api(tmp_path: Path, tsa: TsaService) -> Iterator[object]:
    built: list[Services] = []

    def make(urls: tuple[str, ...]) -> tuple[Api, Services]:
        services = services_with(tsa, tmp_path, urls)
        built.append(services)
        client = create_app(services=services).test_client()
        key = create_tenant(services, name="Atelier", siren="404833048", profile=CREDITOR_PROFILE).api_key
        return Api(client, key), services

    yield make
    for services in built:
        services.db.engine.dispose()


def actions(services: Services) -> list[str]:
    with services.db.reading() as session:
        return [json.loads(c)["action"] for c in session.execute(select(AuditRecord.canonical)).scalars()]


def test_issuing_fails_over_to_the_second_tsa_when_the_first_is_down(make_api: object, tsa: TsaService) -> None:
    api, _services = make_api((down_tsa_url(), tsa.url))  # type: ignore[operator]
    ids = open_case(api)
    issued = api.post(
        f"/v1/cases/{ids['case_id']}/notices", {"kind": "formal_notice", "as_of": "2026-06-30", "issue": True}
    )
    assert issued.status_code == 201, issued.json
    assert issued.json["signature"]["level"] == "B-LT"
    reader = PdfFileReader(io.BytesIO(api.get(f"/v1/notices/{issued.json['id']}/pdf").data))
    [signature] = reader.embedded_signatures
    unsigned = [a["type"].native for a in signature.signer_info["unsigned_attrs"]]
    assert "signature_time_stamp_token" in unsigned  # the signature's time-stamp, from the second TSA


def test_with_every_tsa_down_no_letter_is_issued_and_the_answer_is_a_503_to_retry(
    make_api: object, tsa: TsaService, tmp_path: Path
) -> None:
    first, second = down_tsa_url(), down_tsa_url()
    api, services = make_api((first, second))  # type: ignore[operator]
    ids = open_case(api)
    draft = api.post(f"/v1/cases/{ids['case_id']}/notices", {"kind": "formal_notice", "as_of": "2026-06-30"})
    assert draft.status_code == 201, draft.json
    before = actions(services)
    refused = api.post(f"/v1/notices/{draft.json['id']}/issue")
    assert refused.status_code == 503, refused.json
    assert refused.mimetype == "application/problem+json"
    assert refused.json["type"].endswith("/timestamp-failed")
    assert int(refused.headers["Retry-After"]) > 0
    assert first in refused.json["detail"] and second in refused.json["detail"], refused.json
    assert api.get(f"/v1/notices/{draft.json['id']}").json["status"] == "draft"
    assert actions(services) == before  # no letter without its time-stamp, nothing audited

    recovered = services_with(tsa, tmp_path, (first, tsa.url))
    try:
        api_again = Api(create_app(services=recovered).test_client(), api.headers["Authorization"][7:])
        issued = api_again.post(f"/v1/notices/{draft.json['id']}/issue")
        assert issued.status_code in (200, 201), issued.json
        assert api_again.get(f"/v1/notices/{draft.json['id']}").json["status"] == "issued"
    finally:
        recovered.db.engine.dispose()


def test_a_letter_lacking_a_mention_is_refused_as_incomplete_even_with_every_tsa_down(
    make_api: object, tmp_path: Path
) -> None:
    """The mentions are checked in a thread while the signature waits for its time-stamp (``issue.py``): when
    both fail, the refusal a person must act on wins over the 503, and it is recorded on the draft."""
    templates = hidden_deadline_templates(tmp_path)
    api, services = make_api((down_tsa_url(),))  # type: ignore[operator]
    api.client.application.extensions["notice_service"] = dataclasses.replace(
        services, renderer=WeasyPrintRenderer(templates)
    )
    ids = open_case(api)
    draft = api.post(f"/v1/cases/{ids['case_id']}/notices", {"kind": "formal_notice", "as_of": "2026-06-30"})
    assert draft.status_code == 201, draft.json
    refused = api.post(f"/v1/notices/{draft.json['id']}/issue")
    assert refused.status_code == 422, refused.json
    assert refused.json["type"].endswith("/incomplete-notice")
    assert [m["id"] for m in refused.json["missing"]] == ["deadline"]
    notice = api.get(f"/v1/notices/{draft.json['id']}").json
    assert notice["status"] == "draft" and notice["completeness"]["complete"] is False
    assert actions(services)[-1] == "notice:incomplete"
