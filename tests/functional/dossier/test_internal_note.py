"""The dossier's internal note (issue 12, findings 5 and 12): the checks' results leave the bordereau, which is
served on the debtor (CPC 1411), for ``note-interne-avocat.pdf``, kept in the ZIP outside ``pieces/`` and the
reading copy; the note gives, in French, the steps after the ordonnance (CPC 1411, 1416) and points to
VERIFY.md for the technical verification."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from notice_service.adapters.pdf.pdfium_text import PdfiumTextExtractor
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.dossier.test_export import _second_half_2026_rate, export, run_verifier
from tests.functional.notices.test_formal_notice_flow import open_case

NOTE = "note-interne-avocat.pdf"


def text_of(archive: zipfile.ZipFile, name: str) -> str:
    return " ".join(PdfiumTextExtractor().extract_text(archive.read(name)).split())


def test_the_checks_go_to_the_internal_note_not_the_bordereau(api: Api, services: Services, tmp_path: Path) -> None:
    ids = open_case(api, with_pdf=True)
    _second_half_2026_rate(services)
    dossier = export(api, str(ids["case_id"]))
    assert [w["code"] for w in dossier["warnings"]] == ["no_formal_notice"]  # the API response keeps them
    data = api.get(str(dossier["archive_url"])).data
    archive = zipfile.ZipFile(io.BytesIO(data))
    bordereau, note = text_of(archive, "bordereau.pdf"), text_of(archive, NOTE)
    for internal in ("Attention", "Aucune mise en demeure", "n’interrompt pas la prescription", "5 000"):
        assert internal not in bordereau, internal
        assert internal in note, internal
    assert "VERIFY.md" not in bordereau and "Bordereau des pièces produites" in bordereau
    assert "Document interne : ne pas produire" in note
    manifest = json.loads(archive.read("manifest.json"))
    assert NOTE in [f["path"] for f in manifest["files"]]
    assert all(NOTE not in e["path"] for e in manifest["exhibits"])
    assert not any(n.startswith("pieces/") and "note" in n for n in archive.namelist())
    assert "Note interne" not in text_of(archive, "dossier.pdf")
    path = tmp_path / "dossier.zip"
    path.write_bytes(data)
    checked = run_verifier(path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_note_states_the_steps_after_the_ordonnance(api: Api, services: Services) -> None:
    ids = open_case(api, with_pdf=True)
    _second_half_2026_rate(services)
    dossier = export(api, str(ids["case_id"]))
    note = text_of(zipfile.ZipFile(io.BytesIO(api.get(str(dossier["archive_url"])).data)), NOTE)
    for step in (
        "Signification dans les six mois (CPC art. 1411)",
        "dans les six mois de sa date ; à défaut, elle est non avenue",
        "Opposition dans le mois de la signification (CPC art. 1416)",
        "décrite, en anglais, dans le fichier VERIFY.md",
    ):
        assert step in note, step
    assert "Délai de distance" not in note  # a debtor in Paris
