"""What the practitioner of issue 12 found wrong in the letters' wording, on the issued PDFs' text:

* finding 3: a consumer's mise en demeure claims "intérêts au taux légal", never pénalités nor the 40 €;
* finding 1: a collection agency is a mandataire (CPCE R124-3): its letter says "notre mandant pourra saisir",
  never "nous saisirons";
* finding 14: "avec demande d'avis de réception"; the consumer's letter opens by addressing the person
  ("Vous restez redevable"), not "Vous, Claire Martin, demeurant …".
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from notice_service.services import Services
from notice_service.use_cases.official_rates import RateInput, add_rate
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.conftest import CREDITOR_PROFILE, Api
from tests.functional.notices.test_letters import PRINCIPAL, draft_and_issue, open_case, pdf_text
from tests.services.migrated import migrated_sqlite_url


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: wording does not depend on the database."""
    return migrated_sqlite_url(tmp_path / "notice.db")


@pytest.fixture(autouse=True)
def rate_2026_s2(services: Services) -> None:
    add_rate(services, RateInput(kind="ecb", effective=date(2026, 7, 1), rate=Decimal("2.15"), source="test"))


def agency_api(api: Api, services: Services) -> Api:
    profile = {**CREDITOR_PROFILE, "collection_agency": True}
    agency = create_tenant(services, name="Recouvrement Conseil", siren="552100554", profile=profile)
    return Api(api.client, agency.api_key)


def formal_notice_text(api: Api, variant: str, tmp_path: Path, **options: object) -> str:
    notice = draft_and_issue(api, open_case(api, variant), "formal_notice", **options)
    return pdf_text(api, notice["id"], tmp_path)


@pytest.mark.parametrize("agency", [False, True])
def test_a_consumers_mise_en_demeure_claims_legal_interest_only(
    api: Api, services: Services, agency: bool, tmp_path: Path
) -> None:
    sender = agency_api(api, services) if agency else api
    options = {"principal_creditor": PRINCIPAL} if agency else {}
    text = formal_notice_text(sender, "b2c", tmp_path, **options)
    assert "intérêts au taux légal" in text
    assert "pénalité" not in text.lower()
    assert "40 €" not in text and "indemnité forfaitaire" not in text.lower()


def test_a_business_mise_en_demeure_still_claims_penalties_and_the_indemnity(api: Api, tmp_path: Path) -> None:
    text = formal_notice_text(api, "b2b", tmp_path)
    assert "les intérêts et pénalités de retard, les indemnités forfaitaires pour frais de recouvrement" in text
    assert "nous saisirons sans autre avis" in text


@pytest.mark.parametrize("variant", ["b2b", "b2c"])
def test_an_agency_says_its_principal_may_sue(api: Api, services: Services, variant: str, tmp_path: Path) -> None:
    text = formal_notice_text(agency_api(api, services), variant, tmp_path, principal_creditor=PRINCIPAL)
    assert "notre mandant, Atelier Durand, pourra saisir sans autre avis" in text
    assert "nous saisirons" not in text


def test_the_consumer_is_addressed_naturally_by_registered_letter_with_avis(api: Api, tmp_path: Path) -> None:
    text = formal_notice_text(api, "b2c", tmp_path)
    assert "Lettre recommandée avec demande d’avis de réception" in text
    assert "accusé de réception" not in text
    assert "Vous restez redevable envers Atelier Durand" in text
    assert "Vous, Claire Martin" not in text


def test_the_mise_en_demeure_names_the_court_of_the_debtors_commune(api: Api, tmp_path: Path) -> None:
    """Finding 2: the court the requête will name (the debtor is in Paris, a société commerciale by default);
    a consumer in Grenoble, outside the shipped table, reads the kind of court only."""
    text = formal_notice_text(api, "b2b", tmp_path)
    assert "saisirons sans autre avis le président du tribunal des activités économiques de Paris" in text
    assert "La société Boulangerie Martin SARL" in text
    consumer = formal_notice_text(api, "b2c", tmp_path)
    assert "le tribunal judiciaire compétent d’une requête en injonction de payer" in consumer


def test_an_entrepreneur_individuel_is_not_la_societe(api: Api, tmp_path: Path) -> None:
    """Finding 14: "La société" only for sociétés; a profession libérale in Lyon goes to the tribunal judiciaire."""
    debtor = api.post(
        "/v1/debtors",
        {
            "kind": "business",
            "name": "Paul Roux",
            "siren": "552100554",
            "activity": "entrepreneur_individuel",
            "address": {"lines": ["3 rue Mercière"], "postal_code": "69002", "city": "Lyon", "country": "FR"},
        },
    )
    assert debtor.status_code == 201, debtor.json
    body = {"debtor_id": debtor.json["id"], "number": "F-EI-1", "issue_date": "2026-03-01", "due_date": "2026-03-31"}
    invoice = api.post("/v1/invoices", {**body, "amount_due": "300.00"})
    case = api.post("/v1/cases", {"debtor_id": debtor.json["id"], "invoice_ids": [invoice.json["id"]]})
    notice = draft_and_issue(api, case.json["id"], "formal_notice")
    text = pdf_text(api, notice["id"], tmp_path)
    assert (
        "Paul Roux, entrepreneur individuel, (SIREN 552 100 554)" in text
        or "Paul Roux, entrepreneur individuel," in text
    )
    assert "La société Paul Roux" not in text
    assert "le président du tribunal judiciaire de Lyon" in text
