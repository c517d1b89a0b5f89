"""The PAdES level chosen in settings reaches the issued letter: B-LT and B-LTA through ``build_services``,
with a certomancer PKI (signer certificate with OCSP/CRL endpoints) and its TSA over HTTP."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.errors import ConfigurationError
from notice_service.settings import Settings
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.conftest import CREDITOR_PROFILE, NOW, Api
from tests.functional.notices.test_formal_notice_flow import open_case
from tests.services.tsa import TsaService

pytestmark = pytest.mark.tsa


def settings_for(level: str, data_dir: Path, tsa: TsaService) -> Settings:
    return Settings(
        data_dir=data_dir,
        signing_p12=tsa.signer_p12,
        signing_roots_pem=tsa.root_pem_path,
        tsa_urls=(tsa.url,),
        tsa_roots_pem=tsa.root_pem_path,
        pades_level=level,
    )


@pytest.fixture(params=["B-LT", "B-LTA"])
def client_and_api(request: pytest.FixtureRequest, tmp_path: Path, tsa: TsaService) -> Iterator[tuple[str, Api]]:
    services = build_services(settings_for(request.param, tmp_path, tsa).validate(), clock=FixedClock(NOW))
    with create_app(services=services).test_client() as client:
        key = create_tenant(services, name="Atelier", siren="404833048", profile=CREDITOR_PROFILE).api_key
        yield request.param, Api(client, key)
    services.db.engine.dispose()


def test_issued_letter_reaches_the_configured_level(client_and_api: tuple[str, Api]) -> None:
    level, api = client_and_api
    ids = open_case(api)
    issued = api.post(
        f"/v1/cases/{ids['case_id']}/notices", {"kind": "formal_notice", "as_of": "2026-06-30", "issue": True}
    )
    assert issued.status_code == 201, issued.json
    assert issued.json["signature"]["level"] == level
    assert issued.json["signature"]["development_certificate"] is False
    pdf = api.get(f"/v1/notices/{issued.json['id']}/pdf").data
    reader = PdfFileReader(io.BytesIO(pdf))
    assert "/DSS" in reader.root, "B-LT embeds certificates and revocation data in the DSS"
    assert len(reader.embedded_signatures) == (2 if level == "B-LTA" else 1)  # B-LTA adds a document timestamp


def test_ltv_levels_need_a_tsa_and_the_signers_chain(tmp_path: Path, tsa: TsaService) -> None:
    without_tsa = Settings(data_dir=tmp_path, signing_p12=tsa.signer_p12, pades_level="B-LT")
    with pytest.raises(ConfigurationError, match="NOTICE_TSA_URL and NOTICE_SIGNING_ROOTS"):
        without_tsa.validate()
    with pytest.raises(ConfigurationError, match="NOTICE_PADES_LEVEL"):
        Settings(data_dir=tmp_path, pades_level="B-Z").validate()
