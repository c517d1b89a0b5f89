"""Every letter kind × variant drafted and issued through the API on real components (SQLite, WeasyPrint,
pdftotext, pyHanko), in the order a case escalates, each later letter citing the earlier ones; the collection
agency's mise en demeure; the kind-specific refusals; a mention hidden by CSS caught by the completeness check.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from datetime import date
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import pytest

from notice_service.adapters.pdf.weasyprint_renderer import WeasyPrintRenderer
from notice_service.errors import InvalidInput
from notice_service.letter_catalogue import TEMPLATES_DIR
from notice_service.services import Services
from notice_service.use_cases.official_rates import RateInput, add_rate
from notice_service.use_cases.tenants.onboarding import create_tenant, update_profile
from tests.functional.conftest import CREDITOR_PROFILE, Api
from tests.services.migrated import migrated_sqlite_url

AS_OF = "2026-11-20"  # the fixed clock's day
DEBTORS = {
    "b2b": {
        "kind": "business",
        "name": "Boulangerie Martin SARL",
        "siren": "732829320",
        "address": {"lines": ["8 avenue Jean Jaurès"], "postal_code": "75019", "city": "Paris", "country": "FR"},
    },
    "b2c": {
        "kind": "consumer",
        "name": "Claire Martin",
        "address": {"lines": ["3 place du Marché"], "postal_code": "38000", "city": "Grenoble", "country": "FR"},
    },
}
PRINCIPAL = {
    "name": "Atelier Durand",
    "siren": "404833048",
    "address_lines": ["3 quai Saint-Antoine"],
    "postal_code": "69002",
    "city": "Lyon",
}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the matrix renders and signs two dozen letters; the flow test covers PostgreSQL."""
    return migrated_sqlite_url(tmp_path / "notice.db")


@pytest.fixture(autouse=True)
def rate_2026_s2(services: Services) -> None:
    """The ECB rate of 1 July 2026 is not in the shipped table yet (LEGAL.md §3b): add it as an operator would."""
    add_rate(services, RateInput(kind="ecb", effective=date(2026, 7, 1), rate=Decimal("2.15"), source="test"))


def open_case(api: Api, variant: str) -> str:
    """One invoice past due (partly paid) and one not yet due, so that every kind fits the same case."""
    debtor = api.post("/v1/debtors", DEBTORS[variant])
    assert debtor.status_code == 201, debtor.json
    ids = []
    for number, issued, due, amount in (
        (f"F-{variant}-1", "2026-03-01", "2026-03-31", "1234.56"),
        (f"F-{variant}-2", "2026-11-01", "2026-12-15", "500.00"),
    ):
        body = {"debtor_id": debtor.json["id"], "number": number, "issue_date": issued, "due_date": due}
        invoice = api.post("/v1/invoices", {**body, "amount_due": amount})
        assert invoice.status_code == 201, invoice.json
        ids.append(invoice.json["id"])
    paid = api.post(f"/v1/invoices/{ids[0]}/payments", {"amount": "200.00", "paid_on": "2026-04-15"})
    assert paid.status_code == 201, paid.json
    case = api.post("/v1/cases", {"debtor_id": debtor.json["id"], "invoice_ids": ids})
    assert case.status_code == 201, case.json
    return str(case.json["id"])


def draft_and_issue(api: Api, case_id: str, kind: str, **options: Any) -> dict[str, Any]:
    draft = api.post(f"/v1/cases/{case_id}/notices", {"kind": kind, "as_of": AS_OF, **options})
    assert draft.status_code == 201, draft.json
    assert draft.json["status"] == "draft"
    issued = api.post(f"/v1/notices/{draft.json['id']}/issue")
    assert issued.status_code == 200, issued.json.get("missing", issued.json)
    body: dict[str, Any] = issued.json
    assert body["status"] == "issued"
    assert body["completeness"]["complete"] is True
    assert body["statement"] == draft.json["statement"]
    return body


def pdf_text(api: Api, notice_id: str, tmp_path: Path) -> str:
    path = tmp_path / f"{notice_id}.pdf"
    path.write_bytes(api.get(f"/v1/notices/{notice_id}/pdf").data)
    text = subprocess.run(["pdftotext", path, "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(text.split())


def plan(total: str) -> list[dict[str, str]]:
    """Three monthly instalments summing to ``total`` (the last one takes the cents)."""
    third = (Decimal(total) / 3).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    amounts = [third, third, Decimal(total) - 2 * third]
    dates = ["2026-12-15", "2027-01-15", "2027-02-15"]
    return [{"due_date": d, "amount": str(a)} for d, a in zip(dates, amounts, strict=True)]


# Hand computation (B2B, interest first, C. civ. 1343-1): F-1 1234.56 at 12.15 % from 1 April; 15 days to
# the payment of 15 April = 6.16, so 193.84 of it goes to principal (1040.72 left); then 219 days to
# 20 November on 1040.72 = 75.87. Interest 82.03, one 40 € indemnity (F-2 is not due yet).
EXPECTED = {
    "b2b": {"principal": "1734.56", "paid": "200.00", "interest": "82.03", "indemnities": "40.00", "total": "1656.59"},
    "b2c": {"principal": "1734.56", "paid": "200.00", "interest": "0.00", "indemnities": "0.00", "total": "1534.56"},
}
NO_INTEREST = {"principal": "1734.56", "paid": "200.00", "interest": "0.00", "indemnities": "0.00", "total": "1534.56"}


def totals(notice: dict[str, Any]) -> dict[str, str]:
    return {key: notice["statement"][key] for key in ("principal", "paid", "interest", "indemnities", "total")}


@pytest.mark.parametrize("variant", ["b2b", "b2c"])
def test_every_kind_is_drafted_issued_and_complete(api: Api, variant: str, tmp_path: Path) -> None:
    case_id = open_case(api, variant)
    pre = draft_and_issue(api, case_id, "pre_reminder", tone="courteous")
    assert (pre["variant"], totals(pre)) == (variant, NO_INTEREST)
    assert all(line["periods"] == [] for line in pre["statement"]["invoices"])
    reminder = draft_and_issue(api, case_id, "reminder", tone="firm")
    assert totals(reminder) == EXPECTED[variant]
    second = draft_and_issue(api, case_id, "second_reminder")
    assert second["options"] == {"tone": "courteous"}
    cited = {f"earlier_letter:{pre['id']}", f"earlier_letter:{reminder['id']}"}
    assert cited <= set(second["completeness"]["checked"])
    text = pdf_text(api, second["id"], tmp_path)
    assert "Notre relance du 20 novembre 2026 est restée sans effet" in text
    assert f"Rappel d’échéance du 20 novembre 2026 (réf. {pre['id']})" in text
    formal = draft_and_issue(api, case_id, "formal_notice", deadline_days=15)
    assert (formal["variant"], formal["options"], totals(formal)) == (variant, {"deadline_days": 15}, EXPECTED[variant])
    installments = plan(EXPECTED[variant]["total"])
    proposal = draft_and_issue(api, case_id, "payment_plan", installments=installments)
    assert {"installment:1", "installment:3", f"earlier_letter:{formal['id']}"} <= set(
        proposal["completeness"]["checked"]
    )
    assert proposal["options"]["installments"] == installments
    case = api.get(f"/v1/cases/{case_id}").json
    assert case["next_step"]["action"] == "injonction_de_payer"
    assert case["next_step"]["not_before"] == "2026-12-06"  # 20 Nov + 15 days, the day after, at the earliest
    # the court of the debtor's commune and activity (domain.courts.debtor_court), the one the dossier names
    court = "tribunal des activités économiques de Paris" if variant == "b2b" else "tribunal judiciaire"
    assert case["next_step"]["court"] == court
    years = 5 if variant == "b2b" else 2  # C. com. L110-4 / C. conso. L218-2, restarted by the payment (2240)
    start = "12-15" if variant == "b2b" else "11-01"  # B2B: the due date; B2C: delivery, here the issue date
    assert [(p["acknowledgements"], p["prescription_date"]) for p in case["prescription"]] == [
        (["2026-04-15"], f"{2026 + years}-04-15"),
        ([], f"{2026 + years}-{start}"),
    ]
    assert [n["kind"] for n in case["notices"]] == [
        "pre_reminder", "reminder", "second_reminder", "formal_notice", "payment_plan",
    ]  # fmt: skip


def test_b2b_letters_carry_the_periods_and_penalty_law(api: Api, tmp_path: Path) -> None:
    case_id = open_case(api, "b2b")
    reminder = draft_and_issue(api, case_id, "reminder")
    periods = reminder["statement"]["invoices"][0]["periods"]
    assert [(p["days"], p["rate"]) for p in periods] == [(15, "12.15"), (76, "12.15"), (143, "12.15")]
    text = pdf_text(api, reminder["id"], tmp_path)
    for words in ("Relance de paiement", "1 656,59 €", "12,15 %", "143", "FR76 3000 6000 0112 3456 7890 189",
                  "sans qu’un rappel soit nécessaire", "Sauf erreur ou omission"):  # fmt: skip
        assert words in text, words


@pytest.mark.parametrize("variant", ["b2b", "b2c"])
def test_a_collection_agency_sends_the_r124_4_mise_en_demeure(api: Api, services: Services, variant: str) -> None:
    agency = create_tenant(
        services,
        name="Recouvrement Conseil",
        siren="552100554",
        profile={**CREDITOR_PROFILE, "collection_agency": True},
    )
    agency_api = Api(api.client, agency.api_key)
    case_id = open_case(agency_api, variant)
    refused = agency_api.post(f"/v1/cases/{case_id}/notices", {"kind": "reminder", "as_of": AS_OF})
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "kind"
    without = agency_api.post(f"/v1/cases/{case_id}/notices", {"kind": "formal_notice", "as_of": AS_OF})
    assert without.status_code == 422 and without.json["errors"][0]["field"] == "principal_creditor"
    first = draft_and_issue(agency_api, case_id, "formal_notice", principal_creditor=PRINCIPAL)
    assert first["variant"] == f"agency_{variant}"
    assert {"collector_activity", "principal_creditor", "claim_elements", "l111_8"} <= set(
        first["completeness"]["checked"]
    )
    again = draft_and_issue(agency_api, case_id, "formal_notice")  # the principal creditor belongs to the case
    assert again["variant"] == f"agency_{variant}"
    assert f"earlier_letter:{first['id']}" in again["completeness"]["checked"]


def test_kinds_that_do_not_fit_the_case_are_refused_by_field(api: Api) -> None:
    case_id = open_case(api, "b2b")
    assert api.get(f"/v1/cases/{case_id}").json["next_step"] == {
        "action": "reminder",
        "not_before": AS_OF,
        "reason": "an invoice is past due and no letter was sent",
        "court": None,
    }
    url = f"/v1/cases/{case_id}/notices"
    second = api.post(url, {"kind": "second_reminder", "as_of": AS_OF})
    assert second.status_code == 422 and "issue a reminder first" in second.json["errors"][0]["message"]
    wrong_option = api.post(url, {"kind": "reminder", "as_of": AS_OF, "deadline_days": 8})
    assert wrong_option.status_code == 422
    assert wrong_option.json["errors"] == [{"field": "deadline_days", "message": "not an option of a reminder"}]
    short = api.post(url, {"kind": "payment_plan", "as_of": AS_OF, "installments": plan("1000.00")})
    assert short.status_code == 422
    assert "the total due is 1656.59" in short.json["errors"][0]["message"]
    no_plan = api.post(url, {"kind": "payment_plan", "as_of": AS_OF})
    assert no_plan.status_code == 422 and no_plan.json["errors"][0]["field"] == "installments"


def test_pre_reminder_is_refused_once_every_invoice_is_past_due(api: Api) -> None:
    debtor = api.post("/v1/debtors", DEBTORS["b2b"]).json
    body = {"debtor_id": debtor["id"], "number": "F-9", "issue_date": "2026-03-01", "due_date": "2026-03-31"}
    invoice = api.post("/v1/invoices", {**body, "amount_due": "100.00"}).json
    case = api.post("/v1/cases", {"debtor_id": debtor["id"], "invoice_ids": [invoice["id"]]}).json
    refused = api.post(f"/v1/cases/{case['id']}/notices", {"kind": "pre_reminder", "as_of": AS_OF})
    assert refused.status_code == 422
    assert refused.json["errors"] == [
        {"field": "kind", "message": "every invoice is already past due: send a reminder, not a pre_reminder"}
    ]


def hidden_deadline_templates(tmp_path: Path) -> Path:
    """A copy of the letter templates whose mise en demeure hides its deadline sentence with CSS."""
    templates = tmp_path / "letter_templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    partial = templates / "formal_notice" / "_mise_en_demeure.html.j2"
    source = partial.read_text(encoding="utf-8")
    hidden = source.replace("<strong>dans un délai de", '<strong style="display: none">dans un délai de')
    assert hidden != source
    partial.write_text(hidden, encoding="utf-8")
    return templates


def test_a_mention_hidden_by_css_is_caught_on_the_pdf_and_recorded(
    api: Api, services: Services, tmp_path: Path
) -> None:
    """The deadline sentence is in the HTML but ``display: none``: only the PDF's text can tell."""
    templates = hidden_deadline_templates(tmp_path)
    case_id = open_case(api, "b2b")
    api.client.application.extensions["notice_service"] = dataclasses.replace(
        services, renderer=WeasyPrintRenderer(templates)
    )
    draft = api.post(f"/v1/cases/{case_id}/notices", {"kind": "formal_notice", "as_of": AS_OF})
    assert draft.status_code == 201, draft.json
    refused = api.post(f"/v1/notices/{draft.json['id']}/issue")
    assert refused.status_code == 422
    assert refused.json["type"].endswith("/incomplete-notice")
    (missing,) = refused.json["missing"]
    assert missing["id"] == "deadline"
    assert missing["legal_basis"] == "C. civ. art. 1231 et 1344 (délai raisonnable)"
    assert missing["expected"] == "dans un délai de 8 jours à compter de la réception"
    notice = api.get(f"/v1/notices/{draft.json['id']}").json
    assert notice["status"] == "draft"
    assert notice["completeness"]["complete"] is False
    assert [m["id"] for m in notice["completeness"]["missing"]] == ["deadline"]
    timeline = api.get(f"/v1/cases/{case_id}").json["timeline"]
    assert timeline[-1]["action"] == "notice:incomplete"


def test_bank_details_are_validated_on_the_tenant_profile(services: Services) -> None:
    with pytest.raises(InvalidInput) as refused:
        create_tenant(services, name="X", siren="552100554", profile={"iban": "FR7630006000011234567890188"})
    assert [e.field for e in refused.value.errors] == ["profile.iban"]
    created = create_tenant(services, name="X", siren="552100554", profile=CREDITOR_PROFILE)
    with pytest.raises(InvalidInput) as bad_bic:
        update_profile(services, created.tenant_id, {"bic": "AGRI FR", "tone": "rude"})
    assert [e.field for e in bad_bic.value.errors] == ["profile.bic", "profile.tone"]


def test_a_total_beyond_words_is_refused_by_field_not_a_500(api: Api) -> None:
    """Two invoices at the largest accepted amount add up past 10^12 €, which no letter can write out in words
    (found by schemathesis as a 500): the draft is a 422 naming ``total``, and no notice is left behind."""
    debtor = api.post("/v1/debtors", DEBTORS["b2b"]).json
    body = {"debtor_id": debtor["id"], "issue_date": "2026-01-05", "due_date": "2026-02-04"}
    ids = [
        api.post("/v1/invoices", {**body, "number": f"F-{n}", "amount_due": "999999999999.99"}).json["id"]
        for n in (1, 2)
    ]
    case = api.post("/v1/cases", {"debtor_id": debtor["id"], "invoice_ids": ids}).json
    refused = api.post(f"/v1/cases/{case['id']}/notices", {"kind": "reminder", "as_of": AS_OF})
    assert refused.status_code == 422, refused.json
    assert [error["field"] for error in refused.json["errors"]] == ["total"]
    assert api.get(f"/v1/notices?case_id={case['id']}").json["data"] == []
