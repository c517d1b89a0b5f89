"""ZIP output is safe from path tricks: member names built from what tenants type extract where they say.

``safe_member_name`` on the tricks themselves; the ZIP writer refusing a layout that names an unsafe member
(before writing any byte of it); and a whole dossier exported (SQLite and PostgreSQL) from a case whose invoice
number, document title and debtor name try ``..``, absolute paths, backslashes, drive letters and control or
bidirectional characters: every member name is relative, forward-slashed and plain, and extracting the ZIP
with ``zipfile`` itself writes only under the target folder.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from notice_service.adapters.storage.memory_store import InMemoryDocumentStore
from notice_service.domain.zip_names import is_safe_member_name, safe_member_name
from notice_service.services import Services
from notice_service.use_cases.dossier.zip_writer import ZipEntry, write_zip
from tests.functional.conftest import Api
from tests.functional.dossier.test_export import case_with_delivered_notice, export
from tests.functional.uploads import bad_files

TRICKY = "..\\..\\C:\\Windows\\evil\u202efdp.exe/../../etc/passwd\x1b[31m\x07"  # NUL is refused at the API


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("pieces/01-facture.pdf", "pieces/01-facture.pdf"),
        ("../../.bashrc", ".bashrc"),
        ("/etc/cron.d/evil", "etc/cron.d/evil"),
        ("pieces/../../../outside.pdf", "pieces/outside.pdf"),
        ("..\\..\\windows\\system32\\x.dll", "windows/system32/x.dll"),
        ("C:\\Users\\x.pdf", "C-/Users/x.pdf"),
        ("report.pdf:hidden", "report.pdf-hidden"),
        ("facture\u202efdp.exe", "facturefdp.exe"),  # the right-to-left override would show "exe.pdf"
        ("a\x00b\nc\rd\te.pdf", "abcde.pdf"),
        ("pieces//./x.pdf", "pieces/x.pdf"),
        ("trailing. . /x.pdf", "trailing/x.pdf"),
        ("CON.txt", "_CON.txt"),
        ("lpt1", "_lpt1"),
        ("e\u0301te\u0301.pdf", "\u00e9t\u00e9.pdf"),  # NFC
        ("../..", "fichier"),
        ("", "fichier"),
        ("x" * 300 + ".pdf", "x" * 120),
    ],
)
def test_safe_member_name_keeps_a_relative_plain_path(given: str, safe: str) -> None:
    assert safe_member_name(given) == safe
    assert is_safe_member_name(safe)
    assert safe_member_name(safe) == safe  # idempotent: a safe name is left as it is


def test_the_zip_writer_refuses_an_unsafe_member_before_writing_it() -> None:
    store = InMemoryDocumentStore()
    stored = store.put(b"%PDF-1.4\n", content_type="application/pdf", document_class="dossier")
    out = io.BytesIO()
    safe = ZipEntry("pieces/01-a.pdf", stored.key, stored.sha256, stored.size)
    unsafe = ZipEntry("../../evil.pdf", stored.key, stored.sha256, stored.size)
    with pytest.raises(ValueError, match="unsafe ZIP member name"):
        write_zip(store, [safe, unsafe], out, (2026, 1, 1, 0, 0, 0))
    assert b"evil" not in out.getvalue()


def test_a_dossier_from_tricky_names_has_only_safe_members(api: Api, services: Services, tmp_path: Path) -> None:
    ids = case_with_delivered_notice(api, services)
    contract = bad_files.clean_pdf()
    form = {"file": (io.BytesIO(contract), TRICKY), "kind": "contract", "title": TRICKY}
    uploaded = api.client.post(
        f"/v1/cases/{ids['case_id']}/documents", data=form, headers=api.headers, content_type="multipart/form-data"
    )
    assert uploaded.status_code == 201, uploaded.json
    dossier = export(api, ids["case_id"])
    archive = zipfile.ZipFile(io.BytesIO(api.get(str(dossier["archive_url"])).data))
    names = archive.namelist()
    assert any(archive.read(name) == contract for name in names if name.startswith("pieces/"))
    for name in names:
        assert is_safe_member_name(name), name
        assert not name.startswith("/") and "\\" not in name and ".." not in name.split("/"), name
        assert all(ch.isprintable() for ch in name), name
    around = tmp_path / "around"  # a folder of its own (tmp_path holds the service's data too)
    target = around / "extracted"
    archive.extractall(target)
    written = [p for p in around.rglob("*") if p.is_file()]
    assert len(written) == len(names) and all(target in p.parents for p in written)
    assert str(dossier["archive_name"]).startswith("dossier-") and is_safe_member_name(str(dossier["archive_name"]))
