"""A case's promises to pay, manual pauses and calls reach its dossier: as notes of the export (and of the
lawyer's internal note, never among the pièces) and as audit records in ``audit/records.jsonl``."""

from __future__ import annotations

import io
import json
import zipfile

from pypdf import PdfReader

from notice_service.services import Services
from notice_service.use_cases.cases.pause_schedule import settle_due_pauses
from tests.functional.cases.follow_up_support import at_paris, move_to
from tests.functional.conftest import Api
from tests.functional.dossier.test_export import _second_half_2026_rate, export
from tests.functional.notices.test_formal_notice_flow import open_case


def test_the_dossier_shows_promises_pauses_and_calls(api: Api, services: Services) -> None:
    case_id = str(open_case(api, with_pdf=True)["case_id"])
    call = {
        "called_at": "2026-11-20T09:00:00+01:00",
        "caller": "Jeanne Durand",
        "outcome": "promise",
        "notes": "Paiera le 25.",
        "promise": {"amount": "300.00", "date": "2026-11-25"},
    }
    assert api.post(f"/v1/cases/{case_id}/calls", call).status_code == 201
    pause = api.post(f"/v1/cases/{case_id}/pauses", {"until": "2026-11-24", "reason": "negotiation"})
    assert pause.status_code == 201, pause.json
    move_to(services, at_paris("2026-11-26"))
    while settle_due_pauses(services):  # the promise broken, the pause over
        pass
    _second_half_2026_rate(services)
    dossier = export(api, case_id)

    notes = {n["code"]: n["message"] for n in dossier["notes"]}  # type: ignore[attr-defined]
    assert notes["promise_broken"] == (
        "Promesse de paiement de 300,00\u00a0€ pour le 25 novembre 2026, enregistrée le 20 novembre 2026 : non tenue."
    )
    assert notes["manual_pause"].startswith("Relances suspendues du 20 novembre 2026 jusqu’au 24 novembre 2026")
    assert notes["manual_pause"].endswith(": reprise.")
    assert notes["calls"] == "Appels au débiteur : 20 novembre 2026 (promesse de paiement)."

    archive = zipfile.ZipFile(io.BytesIO(api.get(str(dossier["archive_url"])).data))
    records = [json.loads(line) for line in archive.read("audit/records.jsonl").splitlines()]
    actions = [r["action"] for r in records if r["subject"] == {"type": "case", "id": case_id}]
    assert [a for a in actions if a != "case:opened"] == [
        "promise:made", "call:recorded", "case:paused", "case:resumed", "promise:broken",
    ]  # fmt: skip
    note = "".join(p.extract_text() for p in PdfReader(io.BytesIO(archive.read("note-interne-avocat.pdf"))).pages)
    assert "non tenue" in note and "Appels au débiteur" in note
    bordereau = "".join(p.extract_text() for p in PdfReader(io.BytesIO(archive.read("bordereau.pdf"))).pages)
    assert "Promesse" not in bordereau  # never among the pièces served on the debtor
