"""The CGV penalty rate end to end (issue 11, issue 12 finding 4): the tenant profile's ``contractual_rate`` and
``penalty_clause``, the invoice's override on ``POST /v1/invoices``, the L441-10 II floor at entry, and the
letter that applies the rate and prints the clause; every bad input is a problem naming the field, and
nothing is written."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from notice_service.db.models.claims import Invoice
from notice_service.db.models.tenants import Tenant
from notice_service.domain.rates import HalfYear, legal_rate
from notice_service.errors import InvalidInput
from notice_service.rate_data import load_rate_tables
from notice_service.services import Services
from notice_service.use_cases.tenants.onboarding import create_tenant, update_profile
from tests.functional.conftest import CREDITOR_PROFILE, Api
from tests.functional.notices.test_formal_notice_flow import DEBTOR

CLAUSE = (
    "Article 9 des CGV : tout retard de paiement entraîne des pénalités égales à trois fois le taux d’intérêt légal."
)
CGV_PROFILE = {**CREDITOR_PROFILE, "contractual_rate": "3x_legal", "penalty_clause": CLAUSE}
CONSUMER = {
    "kind": "consumer",
    "name": "Claire Martin",
    "address": {"lines": ["3 place du Marché"], "postal_code": "38000", "city": "Grenoble", "country": "FR"},
}


@pytest.fixture
def cgv_api(api: Api, services: Services) -> Api:
    """A tenant whose CGV set penalties at three times the taux légal."""
    created = create_tenant(services, name="Atelier Durand", siren="404833048", profile=CGV_PROFILE)
    return Api(api.client, created.api_key)


def _invoice(api: Api, debtor_id: str, number: str, due: str, **extra: Any) -> Any:
    body = {"debtor_id": debtor_id, "number": number, "issue_date": f"{due[:4]}-01-02", "due_date": due}
    return api.post("/v1/invoices", {**body, "amount_due": "1000.00", **extra})


def _invoice_count(services: Services) -> int:
    with services.db.reading() as session:
        return int(session.execute(select(func.count()).select_from(Invoice)).scalar_one())


def _pdf_text(api: Api, notice_id: str, tmp_path: Path) -> str:
    path = tmp_path / f"{notice_id}.pdf"
    path.write_bytes(api.get(f"/v1/notices/{notice_id}/pdf").data)
    text = subprocess.run(["pdftotext", path, "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(text.split())


def test_3x_legal_applies_three_times_each_half_years_taux_legal_and_the_letter_prints_the_clause(
    cgv_api: Api, tmp_path: Path
) -> None:
    debtor = cgv_api.post("/v1/debtors", DEBTOR).json["id"]
    cgv = _invoice(cgv_api, debtor, "F-CGV", "2025-05-31")
    own = _invoice(
        cgv_api, debtor, "F-OWN", "2025-05-31", contractual_rate="15", penalty_clause="Contrat n° 12 : 15 %."
    )
    assert cgv.status_code == own.status_code == 201, (cgv.json, own.json)
    assert (cgv.json["contractual_rate"], own.json["contractual_rate"]) == (None, "15")
    case = cgv_api.post("/v1/cases", {"debtor_id": debtor, "invoice_ids": [cgv.json["id"], own.json["id"]]})
    body = {"kind": "formal_notice", "as_of": "2026-03-31", "issue": True}
    notice = cgv_api.post(f"/v1/cases/{case.json['id']}/notices", body)
    assert notice.status_code == 201, notice.json
    first, second = notice.json["statement"]["invoices"]
    tables = load_rate_tables()
    expected = [3 * legal_rate(tables, HalfYear(y, h)) for y, h in ((2025, 1), (2025, 2), (2026, 1))]
    assert [period["rate"] for period in first["periods"]] == [format(rate, "f") for rate in expected]
    assert first["rate_basis"]["kind"] == "three_times_legal" and first["rate_basis"]["clause"] == CLAUSE
    assert "3 × taux d’intérêt légal, 2e semestre 2025" in first["periods"][1]["formula"]
    assert {period["rate"] for period in second["periods"]} == {"15"}
    assert second["rate_basis"] == {
        "kind": "contractual",
        "wording": second["rate_basis"]["wording"],
        "clause": "Contrat n° 12 : 15 %.",
    }
    text = _pdf_text(cgv_api, notice.json["id"], tmp_path)
    assert " ".join(CLAUSE.split()) in text
    assert "trois fois le taux d’intérêt légal, taux prévu par les conditions générales de vente" in text
    assert "Contrat n° 12 : 15 %." in text and "base 365 jours" in text


def test_a_rate_under_the_floor_is_refused_naming_the_floor_and_nothing_is_written(
    cgv_api: Api, services: Services
) -> None:
    debtor = cgv_api.post("/v1/debtors", DEBTOR).json["id"]
    before = _invoice_count(services)
    refused = _invoice(cgv_api, debtor, "F-LOW", "2024-06-30", contractual_rate="10")
    assert refused.status_code == 422, refused.json
    assert refused.json["errors"][0]["field"] == "contractual_rate"
    assert "below the floor of 14.76 % for 2024-S2" in refused.json["errors"][0]["message"]
    assert _invoice_count(services) == before
    assert _invoice(cgv_api, debtor, "F-LOW", "2024-06-30", contractual_rate="14.76").status_code == 201


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"contractual_rate": "abc"}, "contractual_rate"),
        ({"contractual_rate": "3xlegal"}, "contractual_rate"),
        ({"contractual_rate": "0"}, "contractual_rate"),
        ({"contractual_rate": "-12"}, "contractual_rate"),
        ({"contractual_rate": "NaN"}, "contractual_rate"),
        ({"contractual_rate": "150"}, "contractual_rate"),
        ({"contractual_rate": 12.5}, "contractual_rate"),
        ({"contractual_rate": "12", "penalty_clause": ""}, "penalty_clause"),
        ({"contractual_rate": "12", "penalty_clause": "x" * 2001}, "penalty_clause"),
        ({"delivered_on": "2026-02-30"}, "delivered_on"),
    ],
)
def test_bad_invoice_terms_are_problems_naming_the_field(
    cgv_api: Api, services: Services, extra: dict[str, Any], field: str
) -> None:
    debtor = cgv_api.post("/v1/debtors", DEBTOR).json["id"]
    before = _invoice_count(services)
    refused = _invoice(cgv_api, debtor, "F-BAD", "2026-01-31", **extra)
    assert refused.status_code == 422, refused.json
    assert refused.mimetype == "application/problem+json"
    assert field in [error["field"] for error in refused.json["errors"]]
    assert _invoice_count(services) == before


def test_a_consumer_invoice_or_a_rate_without_any_clause_is_refused(api: Api, services: Services) -> None:
    consumer = api.post("/v1/debtors", CONSUMER).json["id"]
    business = api.post("/v1/debtors", DEBTOR).json["id"]
    before = _invoice_count(services)
    for debtor, number in ((consumer, "F-B2C"), (business, "F-NOCLAUSE")):
        refused = _invoice(api, debtor, number, "2026-01-31", contractual_rate="3x_legal")
        assert refused.status_code == 422, refused.json
        fields = [error["field"] for error in refused.json["errors"]]
        assert fields == (["contractual_rate"] if debtor == consumer else ["penalty_clause"])
    assert _invoice_count(services) == before


def _profile(services: Services, tenant_id: str) -> dict[str, Any]:
    with services.db.reading() as session:
        return dict(session.get_one(Tenant, tenant_id).profile)


def test_the_profile_rate_is_checked_against_the_floor_and_needs_its_clause(services: Services) -> None:
    """The clock's half-year (2026-S2) has no published taux légal in the table: 2026-S1's floor (7.86 %) applies."""
    with pytest.raises(InvalidInput) as low:
        create_tenant(services, name="Atelier", siren="404833048", profile={**CGV_PROFILE, "contractual_rate": "5"})
    assert [e.field for e in low.value.errors] == ["profile.contractual_rate"]
    assert "7.86 % for 2026-S1" in low.value.errors[0].message
    tenant = create_tenant(services, name="Atelier", siren="404833048", profile=CREDITOR_PROFILE).tenant_id
    for changes, field in (
        ({"contractual_rate": "8"}, "profile.penalty_clause"),
        ({"contractual_rate": "7.5", "penalty_clause": CLAUSE}, "profile.contractual_rate"),
        ({"contractual_rate": "douze"}, "profile.contractual_rate"),
        ({"penalty_clause": 12}, "profile.penalty_clause"),
    ):
        with pytest.raises(InvalidInput) as refused:
            update_profile(services, tenant, changes)
        assert field in [e.field for e in refused.value.errors]
        assert _profile(services, tenant) == CREDITOR_PROFILE
    updated = update_profile(services, tenant, {"contractual_rate": 12.5, "penalty_clause": CLAUSE})
    assert (updated["contractual_rate"], _profile(services, tenant)["contractual_rate"]) == ("12.5", "12.5")
