"""Consumer and agency letters (issue 12 finding 11): the médiateur de la consommation from the tenant profile
(C. conso. L612-1, R616-1), required for a creditor writing to a consumer; the RGPD information (art. 14 for a
collection agency, whose data come from its client); the offer of a payment plan in a consumer's mise en
demeure when the tenant allows one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from notice_service.db.models.notices import Notice
from notice_service.errors import InvalidInput
from notice_service.services import Services
from notice_service.use_cases.tenants.onboarding import create_tenant, update_profile
from tests.functional.conftest import CREDITOR_PROFILE, Api
from tests.functional.notices.test_letters import (  # noqa: F401  (fixtures: SQLite only, the 2026-S2 ECB rate)
    AS_OF,
    PRINCIPAL,
    database_url,
    open_case,
    pdf_text,
    rate_2026_s2,
)

MEDIATOR = "CM2C (Centre de la médiation de la consommation de conciliateurs de justice)"


def _formal_notice(api: Api, case_id: str, **options: object) -> dict[str, object]:
    notice = api.post(
        f"/v1/cases/{case_id}/notices", {"kind": "formal_notice", "as_of": AS_OF, "issue": True, **options}
    )
    assert notice.status_code == 201, notice.json
    return dict(notice.json)


def _notices(services: Services) -> int:
    with services.db.reading() as session:
        return int(session.execute(select(func.count()).select_from(Notice)).scalar_one())


def test_a_consumer_letter_names_the_mediator_informs_on_data_and_offers_a_plan(
    api: Api, services: Services, tmp_path: Path
) -> None:
    tenant = create_tenant(services, name="Atelier Durand", siren="404833048", profile=CREDITOR_PROFILE)
    update_profile(services, tenant.tenant_id, {"payment_plan_offer": True, "privacy_contact": "dpo@atelier.example"})
    offering = Api(api.client, tenant.api_key)
    text = pdf_text(offering, str(_formal_notice(offering, open_case(offering, "b2c"))["id"]), tmp_path)
    assert f"médiateur de la consommation {MEDIATOR} (https://www.cm2c.net)" in text
    assert "L612-1 et R616-1 du code de la consommation" in text
    assert "art. 6, 1, b et f du RGPD" in text and "dpo@atelier.example" in text and "art. 14" not in text
    assert "nous pouvons vous proposer un échéancier de paiement" in text
    business = pdf_text(api, str(_formal_notice(api, open_case(api, "b2b"))["id"]), tmp_path)
    assert "RGPD" not in business and "médiateur" not in business and "échéancier de paiement" not in business


def test_an_agency_letter_gives_the_article_14_information(api: Api, services: Services, tmp_path: Path) -> None:
    agency = create_tenant(
        services,
        name="Recouvrement Conseil",
        siren="552100554",
        profile={**CREDITOR_PROFILE, "collection_agency": True},
    )
    agency_api = Api(api.client, agency.api_key)
    principal = {
        **PRINCIPAL,
        "mediator_name": "Médiateur du e-commerce",
        "mediator_url": "https://www.mediateurfevad.fr",
    }
    notice = _formal_notice(agency_api, open_case(agency_api, "b2c"), principal_creditor=principal)
    text = pdf_text(agency_api, str(notice["id"]), tmp_path)
    assert "art. 14 du RGPD" in text and f"transmises par son mandant, {PRINCIPAL['name']}" in text
    assert "médiateur de la consommation Médiateur du e-commerce (https://www.mediateurfevad.fr)" in text


def test_a_consumer_letter_without_a_mediator_is_refused_and_nothing_is_written(api: Api, services: Services) -> None:
    profile = {k: v for k, v in CREDITOR_PROFILE.items() if not k.startswith("mediator_")}
    tenant = create_tenant(services, name="Atelier Durand", siren="404833048", profile=profile)
    bare = Api(api.client, tenant.api_key)
    case_id = open_case(bare, "b2c")
    before = _notices(services)
    refused = bare.post(f"/v1/cases/{case_id}/notices", {"kind": "formal_notice", "as_of": AS_OF})
    assert refused.status_code == 422, refused.json
    fields = [error["field"] for error in refused.json["errors"]]
    assert fields == ["tenant.profile.mediator_name", "tenant.profile.mediator_url"]
    assert _notices(services) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"mediator_url": "www.cm2c.net"}, "profile.mediator_url"),
        ({"mediator_name": ""}, "profile.mediator_name"),
        ({"payment_plan_offer": "yes"}, "profile.payment_plan_offer"),
        ({"privacy_contact": 12}, "profile.privacy_contact"),
    ],
)
def test_bad_consumer_information_is_refused_by_field(
    services: Services, changes: dict[str, object], field: str
) -> None:
    tenant = create_tenant(services, name="Atelier Durand", siren="404833048", profile=CREDITOR_PROFILE)
    with pytest.raises(InvalidInput) as refused:
        update_profile(services, tenant.tenant_id, changes)
    assert [error.field for error in refused.value.errors] == [field]
