"""A collection agency's dossier (issue 12, finding 1): the agency is a mandataire (CPCE R124-3), nobody sues
in another's name, so the requête, the bordereau and the décompte name the principal creditor as requérant and
the agency as its mandataire, with the pouvoir spécial it holds (the ``pouvoir_special`` of the case's
``principal_creditor``) printed; a malformed pouvoir spécial is refused by field and nothing is written."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from notice_service.adapters.pdf.pdfium_text import PdfiumTextExtractor
from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.notices import Notice
from notice_service.services import Services
from notice_service.use_cases.official_rates import RateInput, add_rate
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.conftest import CREDITOR_PROFILE, Api
from tests.functional.dossier.test_export import export
from tests.functional.notices.test_letters import AS_OF, PRINCIPAL, draft_and_issue, open_case

POWER = "pouvoir spécial du 2 février 2026, signé par Jeanne Durand, gérante"


@pytest.fixture
def agency_api(api: Api, services: Services) -> Api:
    add_rate(services, RateInput(kind="ecb", effective=date(2026, 7, 1), rate=Decimal("2.15"), source="test"))
    profile = {**CREDITOR_PROFILE, "collection_agency": True}
    agency = create_tenant(services, name="Recouvrement Conseil", siren="552100554", profile=profile)
    return Api(api.client, agency.api_key)


def texts(api: Api, case_id: str) -> dict[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(api.get(str(export(api, case_id)["archive_url"])).data))
    names = ("requete.pdf", "bordereau.pdf", "decompte.pdf")
    return {n: " ".join(PdfiumTextExtractor().extract_text(archive.read(n)).split()) for n in names}


def test_the_principal_creditor_is_the_requerant_and_the_agency_its_mandataire(agency_api: Api) -> None:
    case_id = open_case(agency_api, "b2b")
    draft_and_issue(agency_api, case_id, "formal_notice", principal_creditor={**PRINCIPAL, "pouvoir_special": POWER})
    found = texts(agency_api, case_id)
    requete = found["requete.pdf"]
    requerant = requete.split("Le requérant (créancier)")[1].split("Le débiteur")[0]
    assert requerant.startswith(" Atelier Durand, SIREN 404833048, dont le siège est 3 quai Saint-Antoine, 69002 Lyon")
    assert "représenté par son mandataire, Recouvrement Conseil, SARL, SIREN 552100554" in requerant
    assert f"agissant en vertu du pouvoir spécial suivant : {POWER}, joint à la présente requête" in requerant
    assert (
        "Atelier Durand (SIREN 404833048), représenté par son mandataire Recouvrement Conseil" in found["bordereau.pdf"]
    )
    assert "Atelier Durand (mandataire : Recouvrement Conseil) contre" in found["decompte.pdf"]


def test_a_creditor_without_an_agency_is_its_own_requerant(api: Api, services: Services) -> None:
    add_rate(services, RateInput(kind="ecb", effective=date(2026, 7, 1), rate=Decimal("2.15"), source="test"))
    case_id = open_case(api, "b2b")
    requete = texts(api, case_id)["requete.pdf"]
    assert "mandataire" not in requete.split("Le débiteur")[0]
    assert "représentée par son représentant légal (Jeanne Durand, Gérante)" in requete


@pytest.mark.parametrize("power", ["", "   ", 42, "x" * 201])
def test_a_malformed_pouvoir_special_is_refused_and_nothing_is_written(
    agency_api: Api, services: Services, power: object
) -> None:
    case_id = open_case(agency_api, "b2b")

    def written() -> tuple[int, int]:
        with services.db.reading() as session:
            return tuple(
                session.execute(select(func.count()).select_from(m)).scalar_one() for m in (Notice, AuditRecord)
            )  # type: ignore[return-value]

    before = written()
    body = {"kind": "formal_notice", "as_of": AS_OF, "principal_creditor": {**PRINCIPAL, "pouvoir_special": power}}
    refused = agency_api.post(f"/v1/cases/{case_id}/notices", body)
    assert refused.status_code == 422, refused.json
    assert [e["field"] for e in refused.json["errors"]] == ["principal_creditor.pouvoir_special"]
    assert written() == before
