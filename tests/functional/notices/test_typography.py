"""The typography check (issue 12, finding 14): every letter kind × variant (the collection agency's too) and
every PDF of the evidence dossier, read back from the PDF with pdftotext, is written as a French reader expects:
"1er août" (never "1 août"), no ISO date, a no-break space (U+202F or U+00A0) where French typography puts one
(before ``:`` ``;`` ``?`` ``!`` ``%`` and ``»``, after ``«``, between an amount and ``€``).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from notice_service.adapters.pdf.pdfium_text import PdfiumTextExtractor
from notice_service.services import Services
from notice_service.use_cases.official_rates import RateInput, add_rate
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.conftest import CREDITOR_PROFILE, Api
from tests.functional.dossier.test_export import case_with_delivered_notice, export
from tests.functional.notices.test_letters import PRINCIPAL, draft_and_issue, open_case, plan
from tests.services.migrated import migrated_sqlite_url

MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
RULES = {
    "1 before a month": re.compile(rf"(?<!\d)1\s+(?:{MONTHS})\b"),
    "ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "plain space before : ; ? ! % »": re.compile(r"[ \r\n][:;?!%»]"),
    "plain space after «": re.compile(r"«[ \r\n]"),
    "plain space between an amount and €": re.compile(r"\d[ \r\n]€"),
}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: this renders every letter and a dossier; the wording is the same on PostgreSQL."""
    return migrated_sqlite_url(tmp_path / "notice.db")


def raw_text(pdf: bytes) -> str:
    """The PDF's text as PDFium reads it, spaces kept as they are (pdftotext turns U+202F into a plain
    space, so it cannot tell)."""
    return PdfiumTextExtractor().extract_text(pdf)


def faults(text: str) -> dict[str, list[str]]:
    """Each rule's offending snippets (with 15 characters around each)."""
    found: dict[str, list[str]] = {}
    for rule, pattern in RULES.items():
        snippets = [text[max(m.start() - 15, 0) : m.end() + 15] for m in pattern.finditer(text)]
        if snippets:
            found[rule] = snippets
    return found


def test_the_rules_catch_what_they_name() -> None:
    """The check itself: each rule finds its fault and passes French typography."""
    bad = "le 1 août 2026 : 2026-08-01, 12,15 %, « mise », 40 €"
    assert set(faults(bad)) == set(RULES)
    good = "le 1er août 2026\u202f: 12,15\u202f%, «\u202fmise\u202f», 40\u00a0€, https://x.fr, 09:30"
    assert faults(good) == {}


def letters_of(api: Api, variant: str, **formal_options: Any) -> list[dict[str, Any]]:
    case_id = open_case(api, variant)
    issued = [draft_and_issue(api, case_id, "formal_notice", **formal_options)]
    if not formal_options:
        issued = [draft_and_issue(api, case_id, kind) for kind in ("pre_reminder", "reminder", "second_reminder")]
        issued.append(draft_and_issue(api, case_id, "formal_notice"))
        issued.append(
            draft_and_issue(api, case_id, "payment_plan", installments=plan(issued[-1]["statement"]["total"]))
        )
    return issued


@pytest.mark.parametrize("variant", ["b2b", "b2c"])
def test_every_letter_passes_the_typography_check(api: Api, services: Services, variant: str) -> None:
    add_rate(services, RateInput(kind="ecb", effective=date(2026, 7, 1), rate=Decimal("2.15"), source="test"))
    agency = create_tenant(
        services,
        name="Recouvrement Conseil",
        siren="552100554",
        profile={**CREDITOR_PROFILE, "collection_agency": True},
    )
    agency_api = Api(api.client, agency.api_key)
    letters = letters_of(api, variant) + letters_of(agency_api, variant, principal_creditor=PRINCIPAL)
    assert [n["variant"] for n in letters] == [variant] * 5 + [f"agency_{variant}"]
    found = {}
    for notice in letters:
        owner = agency_api if notice["variant"].startswith("agency") else api
        text = raw_text(owner.get(f"/v1/notices/{notice['id']}/pdf").data)
        assert "Mise en demeure" in text or "relance" in text.lower() or "échéance" in text.lower()
        if problems := faults(text):
            found[f"{notice['kind']}/{notice['variant']}"] = problems
    assert found == {}


def test_every_dossier_document_passes_the_typography_check(api: Api, services: Services) -> None:
    ids = case_with_delivered_notice(api, services)
    dossier = export(api, ids["case_id"])
    archive = zipfile.ZipFile(io.BytesIO(api.get(str(dossier["archive_url"])).data))
    generated = [n for n in archive.namelist() if n.endswith(".pdf") and "/" not in n and n != "dossier.pdf"]
    assert {"bordereau.pdf", "requete.pdf", "decompte.pdf"} <= set(generated)
    found = {name: problems for name in generated if (problems := faults(raw_text(archive.read(name))))}
    assert found == {}
