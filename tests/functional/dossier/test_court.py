"""The debtor's activity and commune name the court of the requête (issue 12, finding 2), through the API:
``activity`` is an ordinary field of the debtor (default ``societe_commerciale`` for a business, none for a
consumer); the requête is addressed to "Monsieur le Président du tribunal …" of the debtor's commune; a commune
the shipped table does not hold is refused with a problem naming the address, and nothing is written; bad
activities are refused by field, and nothing is written."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from sqlalchemy import func, select

from notice_service.adapters.pdf.pdfium_text import PdfiumTextExtractor
from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.claims import Debtor
from notice_service.db.models.dossier import Dossier
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.dossier.test_export import _second_half_2026_rate, export
from tests.functional.notices.test_formal_notice_flow import DEBTOR

ADDRESS = {"lines": ["3 rue de la République"], "postal_code": "69002", "city": "Lyon", "country": "FR"}


def counts(services: Services) -> tuple[int, ...]:
    with services.db.reading() as session:
        return tuple(
            session.execute(select(func.count()).select_from(m)).scalar_one() for m in (Debtor, Dossier, AuditRecord)
        )


def case_for(api: Api, debtor: dict[str, Any]) -> str:
    created = api.post("/v1/debtors", debtor)
    assert created.status_code == 201, created.json
    body = {"debtor_id": created.json["id"], "number": "F-1", "issue_date": "2026-03-01", "due_date": "2026-03-31"}
    invoice = api.post("/v1/invoices", {**body, "amount_due": "1000.00"})
    assert invoice.status_code == 201, invoice.json
    case = api.post("/v1/cases", {"debtor_id": created.json["id"], "invoice_ids": [invoice.json["id"]]})
    assert case.status_code == 201, case.json
    return str(case.json["id"])


def requete(api: Api, case_id: str, body: dict[str, Any] | None = None) -> tuple[dict[str, Any], str]:
    dossier = export(api, case_id, body)
    archive = zipfile.ZipFile(io.BytesIO(api.get(str(dossier["archive_url"])).data))
    return dossier, " ".join(PdfiumTextExtractor().extract_text(archive.read("requete.pdf")).split())


def test_a_business_debtor_defaults_to_a_societe_commerciale_before_the_tae(api: Api, services: Services) -> None:
    _second_half_2026_rate(services)
    created = api.post("/v1/debtors", DEBTOR)
    assert created.json["activity"] == "societe_commerciale"
    assert api.get(f"/v1/debtors/{created.json['id']}").json["activity"] == "societe_commerciale"
    dossier, text = requete(api, case_for(api, {**DEBTOR, "siren": "552100554"}))
    assert dossier["court"]["kind"] == "tribunal_de_commerce"
    assert "À Monsieur le Président du tribunal des activités économiques de Paris" in text
    assert "La société Boulangerie Martin SARL" in text


def test_a_profession_liberale_goes_to_the_tribunal_judiciaire(api: Api, services: Services) -> None:
    _second_half_2026_rate(services)
    debtor = {**DEBTOR, "name": "Cabinet Lefèvre", "activity": "profession_liberale", "address": ADDRESS}
    dossier, text = requete(api, case_for(api, debtor))
    assert dossier["court"]["kind"] == "tribunal_judiciaire"
    assert "À Monsieur le Président du tribunal judiciaire de Lyon" in text
    assert "Cabinet Lefèvre, profession libérale, SIREN" in text and "La société Cabinet" not in text


def test_a_consumer_has_no_activity(api: Api) -> None:
    consumer = {"kind": "consumer", "name": "Claire Martin", "address": ADDRESS}
    created = api.post("/v1/debtors", consumer)
    assert created.status_code == 201 and created.json["activity"] is None


def test_a_commune_outside_the_table_is_refused_and_nothing_is_written(api: Api, services: Services) -> None:
    _second_half_2026_rate(services)
    grenoble = {**DEBTOR, "address": {**ADDRESS, "postal_code": "38000", "city": "Grenoble"}}
    case_id = case_for(api, grenoble)
    before = counts(services)
    refused = api.post(f"/v1/cases/{case_id}/dossiers", {})
    assert refused.status_code == 422, refused.json
    assert refused.json["type"].endswith("/court-unknown")
    assert refused.json["errors"] == [
        {"field": "court", "message": "commune not in the table of courts (CPC 1406): name the court"}
    ]
    assert "38000 Grenoble" in refused.json["detail"] and "courts.json" in refused.json["detail"]
    assert counts(services) == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**DEBTOR, "activity": "sci"}, None),
        ({**DEBTOR, "activity": ""}, None),
        ({**DEBTOR, "activity": 3}, None),
        ({"kind": "consumer", "name": "Claire Martin", "address": ADDRESS, "activity": "artisan"},
         "a consumer has no activity: leave it out"),
    ],
)  # fmt: skip
def test_bad_activities_are_refused_by_field_and_nothing_is_written(
    api: Api, services: Services, body: dict[str, Any], message: str | None
) -> None:
    before = counts(services)
    refused = api.post("/v1/debtors", body)
    assert refused.status_code == 422, refused.json
    assert [e["field"] for e in refused.json["errors"]] == ["activity"]
    if message:
        assert refused.json["errors"][0]["message"] == message
    assert counts(services) == before


@pytest.mark.parametrize(
    ("activity", "court"),
    [
        ("commercant", "tribunal des activités économiques de Lyon"),
        ("artisan", "tribunal des activités économiques de Lyon"),
        ("association", "tribunal judiciaire de Lyon"),
        ("societe_civile", "tribunal judiciaire de Lyon"),
    ],
)
def test_the_cases_next_step_names_the_court_of_the_requete(
    api: Api, services: Services, activity: str, court: str
) -> None:
    """Issue 11 item 5: the case's ``next_step.court`` and the requête come from the same function."""
    _second_half_2026_rate(services)
    debtor = {**DEBTOR, "name": "Atelier Roux", "activity": activity, "address": ADDRESS}
    case_id = case_for(api, debtor)
    issued = api.post(f"/v1/cases/{case_id}/notices", {"kind": "formal_notice", "as_of": "2026-06-30", "issue": True})
    assert issued.status_code == 201, issued.json
    step = api.get(f"/v1/cases/{case_id}").json["next_step"]
    assert (step["action"], step["court"]) == ("injonction_de_payer", court)
    dossier, text = requete(api, case_id)
    assert f"À Monsieur le Président du {court}" in text and dossier["court"]["label"].endswith(court)


def test_the_requerant_names_the_court_of_a_commune_outside_the_table(api: Api, services: Services) -> None:
    """Grenoble is not in the table: the lawyer names its court, of the kind the activity calls for (commercial
    → tribunal de commerce or des activités économiques); the requête is addressed to it."""
    _second_half_2026_rate(services)
    grenoble = {**DEBTOR, "address": {**ADDRESS, "postal_code": "38000", "city": "Grenoble"}}
    case_id = case_for(api, grenoble)
    before = counts(services)
    for court, message in (
        ("tribunal judiciaire de Grenoble", "the debtor's activity calls for « tribunal de commerce de … » or"),
        ("cour d'appel de Grenoble xxxx", "the debtor's activity calls for"),
        ("tribunal de commerce de ", None),  # the name of the seat is missing
    ):
        refused = api.post(f"/v1/cases/{case_id}/dossiers", {"court": court})
        assert refused.status_code == 422, refused.json
        assert [e["field"] for e in refused.json["errors"]] == ["court"]
        assert message is None or refused.json["errors"][0]["message"].startswith(message)
    assert counts(services) == before
    dossier, text = requete(api, case_id, {"court": "Tribunal de commerce de Grenoble"})
    assert dossier["court"] == {
        "kind": "tribunal_de_commerce",
        "label": "Monsieur le Président du tribunal de commerce de Grenoble",
        "basis": "CPC art. 1406 ; C. com. art. L721-3",
    }
    assert "À Monsieur le Président du tribunal de commerce de Grenoble" in text


def test_a_court_named_for_a_commune_in_the_table_is_refused(api: Api, services: Services) -> None:
    _second_half_2026_rate(services)
    case_id = case_for(api, {**DEBTOR, "address": ADDRESS})
    before = counts(services)
    refused = api.post(f"/v1/cases/{case_id}/dossiers", {"court": "tribunal de commerce de Villeurbanne"})
    assert refused.status_code == 422, refused.json
    assert refused.json["errors"] == [
        {
            "field": "court",
            "message": "the debtor's commune is in the table: tribunal des activités économiques de Lyon",
        }
    ]
    assert counts(services) == before
