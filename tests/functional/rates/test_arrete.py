"""The arrêté: on 1 December 2026, with the shipped rates (confirmed up to 2026-S1), a décompte that reaches
the present is refused with the command to run, unless ``"interest_until": "last_confirmed"`` asks for
interest arrêté at 30 June 2026 with the later interest claimed in words."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from notice_service.adapters.system_clock import FixedClock
from notice_service.db.models.notices import Notice
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.notices.test_formal_notice_flow import open_case
from tests.functional.notices.test_letters import pdf_text

SENTENCE = "Intérêts arrêtés au 30 juin 2026, outre les intérêts postérieurs au taux de refinancement de la BCE"
FROM = "à compter du 1er juillet 2026"


def first_of_december(services: Services) -> None:
    """The fixed clock moved from 20 November to 1 December 2026."""
    assert isinstance(services.clock, FixedClock)
    services.clock.advance(timedelta(days=11))
    assert services.clock.now().date().isoformat() == "2026-12-01"


def words(data: bytes) -> str:
    """A PDF's text with its whitespace (line breaks, no-break spaces) collapsed."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def counts(services: Services, api: Api, case_id: str) -> tuple[int, int]:
    """The notices stored and the dossiers exported on the case."""
    with services.db.reading() as session:
        notices = session.execute(select(func.count()).select_from(Notice)).scalar_one()
    timeline = api.get(f"/v1/cases/{case_id}").json["timeline"]
    return notices, len([e for e in timeline if e["action"] == "dossier:exported"])


def test_a_dossier_today_is_refused_with_the_command_then_produced_arrete(api: Api, services: Services) -> None:
    case_id = str(open_case(api, with_pdf=True)["case_id"])
    first_of_december(services)
    before = counts(services, api, case_id)
    refused = api.post(f"/v1/cases/{case_id}/dossiers", {})
    assert refused.status_code == 422, refused.json
    assert refused.json["type"].endswith("/rate-unknown") and refused.json["half_year"] == "2026-S2"
    assert "notice-service rates add --kind ecb --effective 2026-07-01" in refused.json["detail"]
    assert refused.json["sync_command"] == "notice-service rates sync" and "last_confirmed" in refused.json["detail"]
    assert counts(services, api, case_id) == before
    produced = api.post(f"/v1/cases/{case_id}/dossiers", {"interest_until": "last_confirmed"})
    assert produced.status_code == 201, produced.json
    archive = zipfile.ZipFile(io.BytesIO(api.get(produced.json["archive_url"]).data))
    for document in ("requete.pdf", "decompte.pdf"):
        text = words(archive.read(document))
        assert SENTENCE in text and FROM in text, document
    rows = list(csv.reader(io.StringIO(archive.read("decompte.csv").decode("utf-8")), delimiter=";"))
    header, total = rows[0], dict(zip(rows[0], rows[-1], strict=True))
    assert all(len(row) == len(header) for row in rows), [len(row) for row in rows]
    assert total["ligne"] == "total" and total["au"] == "2026-06-30"
    assert SENTENCE in total["note"] and FROM in total["note"]
    assert all(row[header.index("note")] == "" for row in rows[1:-1])
    owed = sum(Decimal(total[key]) for key in ("balance", "interest", "indemnity"))
    assert Decimal(total["montant"]) == owed > Decimal(total["balance"]) > 0


def _draft(api: Api, case_id: str, body: dict[str, Any]) -> Any:
    return api.post(f"/v1/cases/{case_id}/notices", {"kind": "reminder", **body})


def test_a_notice_draft_arrete_claims_the_interest_of_30_june(api: Api, services: Services, tmp_path: Path) -> None:
    case_id = str(open_case(api)["case_id"])
    first_of_december(services)
    at_june = _draft(api, case_id, {"as_of": "2026-06-30"})
    assert at_june.status_code == 201 and at_june.json["statement"]["arrete"] is None
    before = counts(services, api, case_id)
    refused = _draft(api, case_id, {"as_of": "2026-12-01"})
    assert refused.status_code == 422 and refused.json["type"].endswith("/rate-unknown")
    assert counts(services, api, case_id) == before
    arrete = _draft(api, case_id, {"as_of": "2026-12-01", "interest_until": "last_confirmed"})
    assert arrete.status_code == 201, arrete.json
    statement, june = arrete.json["statement"], at_june.json["statement"]
    assert statement["interest_until"] == "2026-06-30" and statement["as_of"] == "2026-12-01"
    assert (statement["interest"], statement["total"]) == (june["interest"], june["total"])
    assert statement["invoices"][0]["periods"][-1]["to"] == "2026-06-30"
    text = pdf_text(api, arrete.json["id"], tmp_path)
    assert SENTENCE in text and FROM in text


def test_within_the_confirmed_rates_last_confirmed_changes_nothing(api: Api, services: Services) -> None:
    case_id = str(open_case(api)["case_id"])
    plain = _draft(api, case_id, {"as_of": "2026-06-30"})
    asked = _draft(api, case_id, {"as_of": "2026-06-30", "interest_until": "last_confirmed"})
    assert asked.status_code == 201 and asked.json["statement"]["interest_until"] is None
    assert asked.json["statement"]["total"] == plain.json["statement"]["total"]


@pytest.mark.parametrize("value", ["today", "2026-06-30", "", 1, ["last_confirmed"], {"x": 1}, True])
def test_a_bad_interest_until_names_the_field_and_changes_nothing(api: Api, services: Services, value: Any) -> None:
    case_id = str(open_case(api, with_pdf=True)["case_id"])
    before = counts(services, api, case_id)
    for path, body in (
        (f"/v1/cases/{case_id}/notices", {"kind": "reminder", "as_of": "2026-06-30", "interest_until": value}),
        (f"/v1/cases/{case_id}/dossiers", {"interest_until": value}),
    ):
        answer = api.post(path, body)
        assert answer.status_code == 400 or answer.status_code == 422, answer.json
        assert answer.json["type"].endswith("/invalid-input")
        assert any("interest_until" in error["field"] for error in answer.json["errors"]), answer.json
    assert counts(services, api, case_id) == before
