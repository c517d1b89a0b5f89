"""Uploads whose content would act when opened, or decode to a bomb, are refused before they become exhibits.

Every upload route that takes evidence (a case's documents, a delivery's evidence, an invoice's PDF copy) answers
422 ``unsafe-document`` naming the field and what to do, and writes nothing: no row, no audit record, no
object in the store. The same routes accept clean files of each type (the controls). The checks themselves
(``domain/pdf_safety``, ``domain/image_safety``) are run on each file too, and Pillow, an independent decoder,
agrees that the image bombs are bombs. SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.case_documents import CaseDocument
from notice_service.db.models.claims import Invoice
from notice_service.domain.evidence_files import content_problem, sniff_media_type
from notice_service.domain.image_safety import MAX_IMAGE_PIXELS
from notice_service.domain.pdf_safety import inspect_pdf
from notice_service.errors import DocumentNotFound
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.delivery.test_deliveries import dispatch, issued_notice
from tests.functional.notices.test_formal_notice_flow import DEBTOR, open_case
from tests.functional.uploads import bad_files

UNSAFE_PDFS: dict[str, tuple[Callable[[], bytes], str]] = {
    "document JavaScript (/Names)": (bad_files.javascript_in_names, "JavaScript"),
    "/OpenAction with /JS": (bad_files.open_action_javascript, "JavaScript"),
    "/Launch action": (bad_files.launch_action, "a launch action"),
    "/EmbeddedFiles": (bad_files.embedded_file, "embedded files"),
    "/FileAttachment annotation": (bad_files.file_attachment_annotation, "a file attachment"),
    "hex-escaped /J#61vaScript": (bad_files.hex_escaped_javascript, "JavaScript"),
    "encrypted": (bad_files.encrypted_pdf, "the file is encrypted"),
}
BOMBS: dict[str, Callable[[], bytes]] = {
    "PNG 20000 × 20000": bad_files.png_bomb,
    "JPEG 60000 × 60000": bad_files.jpeg_bomb,
    "TIFF 30000 × 30000": lambda: bad_files.tiff_pages((30_000, 30_000)),
    "TIFF whose second page is the bomb": lambda: bad_files.tiff_pages((600, 800), (30_000, 30_000)),
}


def unsafe_files(tmp: Path) -> list[tuple[str, bytes, str]]:
    """(name, bytes, what the problem must say) for every PDF, as written and rewritten in object streams,
    and every image bomb."""
    files = []
    for name, (build, says) in UNSAFE_PDFS.items():
        data = build()
        files.append((name, data, says))
        files.append((f"{name}, in object streams", bad_files.in_object_streams(data, tmp), says))
    files.extend((name, build(), "pixels") for name, build in BOMBS.items())
    return files


def clean_files(tmp: Path) -> list[tuple[str, bytes]]:
    pdf = bad_files.weasyprint_pdf()
    return [
        ("pypdf blank page", bad_files.clean_pdf()),
        ("WeasyPrint document", pdf),
        ("WeasyPrint document in object streams", bad_files.in_object_streams(pdf, tmp)),
        *((f"Pillow {kind}", bad_files.real_image(kind)) for kind in ("png", "jpeg", "tiff")),
        ("TIFF of three A4 pages at 300 dpi", bad_files.tiff_pages(*[(2480, 3508)] * 3)),
    ]


def upload_document(api: Api, case_id: str, data: bytes) -> Any:
    form = {"file": (io.BytesIO(data), "contrat.pdf"), "kind": "contract"}
    return api.client.post(
        f"/v1/cases/{case_id}/documents", data=form, headers=api.headers, content_type="multipart/form-data"
    )


def assert_refused(response: Any, field: str, says: str, name: str = "") -> None:
    assert response.status_code == 422, (name, response.json)
    assert response.mimetype == "application/problem+json"
    assert response.json["type"].endswith("/unsafe-document")
    [error] = response.json["errors"]
    assert error["field"] == field
    assert says in error["message"] and says in response.json["detail"], name
    assert "upload" in error["message"] or "pixels" in error["message"]  # what to do, or what is wrong


def assert_not_stored(services: Services, data: bytes) -> None:
    with pytest.raises(DocumentNotFound):
        services.store.get(f"sha256/{hashlib.sha256(data).hexdigest()}")


def count(services: Services, model: Any) -> int:
    with services.db.reading() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


# The checks alone, on every file.


@pytest.mark.parametrize("name", sorted(UNSAFE_PDFS))
def test_each_unsafe_pdf_is_found_as_written_and_in_object_streams(name: str, tmp_path: Path) -> None:
    build, says = UNSAFE_PDFS[name]
    written = build()
    compressed = bad_files.in_object_streams(written, tmp_path)
    assert b"ObjStm" in compressed and b"/JavaScript" not in compressed and b"/Launch" not in compressed
    for data in (written, compressed):
        findings = inspect_pdf(data)
        assert says in (*findings.hazards, findings.unreadable), (name, findings)
        problem = content_problem(data, "application/pdf")
        assert problem is not None and says in problem


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_each_bomb_is_refused_from_its_header_and_pillow_agrees_it_is_one(name: str) -> None:
    data = BOMBS[name]()
    media_type = sniff_media_type(data)
    assert media_type is not None
    problem = content_problem(data, media_type)
    assert problem is not None and f"more than the {MAX_IMAGE_PIXELS} accepted" in problem
    if "second page" in name:
        with Image.open(io.BytesIO(data)) as image:  # Pillow checks the first frame only when opening
            image.seek(1)
            assert image.size[0] * image.size[1] > MAX_IMAGE_PIXELS
    else:
        with pytest.raises(Image.DecompressionBombError):
            Image.open(io.BytesIO(data))


def test_clean_files_pass_the_checks(tmp_path: Path) -> None:
    for name, data in clean_files(tmp_path):
        media_type = sniff_media_type(data)
        assert media_type is not None, name
        assert content_problem(data, media_type) is None, name


def test_an_object_stream_the_check_cannot_read_is_refused() -> None:
    """An object stream in a filter the check does not decode (ASCIIHex over Flate) could hide anything."""
    inner = b"1 0 << /S /JavaScript /JS (app.alert\\(1\\)) >>"
    hidden = zlib_hex(inner)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
        b"<< /Type /ObjStm /N 1 /First 8 /Filter [/ASCIIHexDecode /FlateDecode] /Length %d >>\nstream\n" % len(hidden)
        + hidden
        + b"\nendstream",
    ]
    findings = inspect_pdf(bad_files.hand_written(objects))
    assert findings.unreadable == "an object stream uses a filter other than Flate"


def zlib_hex(data: bytes) -> bytes:
    return zlib.compress(data).hex().encode("ascii") + b">"


# Through the API: refused, nothing written, and clean files accepted.


def test_case_documents_refuse_every_unsafe_file_and_write_nothing(
    api: Api, services: Services, tmp_path: Path
) -> None:
    case_id = str(open_case(api)["case_id"])
    records_before, documents_before = count(services, AuditRecord), count(services, CaseDocument)
    for name, data, says in unsafe_files(tmp_path):
        response = upload_document(api, case_id, data)
        assert_refused(response, "file", says, name)
        assert_not_stored(services, data)
    assert count(services, CaseDocument) == documents_before
    assert count(services, AuditRecord) == records_before
    for name, data in clean_files(tmp_path):
        accepted = upload_document(api, case_id, data)
        assert accepted.status_code == 201, (name, accepted.json)
    assert count(services, CaseDocument) == documents_before + len(clean_files(tmp_path))


def test_delivery_evidence_refuses_a_bomb_and_a_launch_action(api: Api, services: Services) -> None:
    ids = issued_notice(api, services)
    delivery = dispatch(
        api, ids["notice_id"], channel="registered_letter", provider="manual", tracking_number="RR123456785FR"
    )
    for data, says in ((bad_files.png_bomb(), "pixels"), (bad_files.launch_action(), "a launch action")):
        response = api.client.post(
            f"/v1/deliveries/{delivery['id']}/evidence",
            data={"file": (io.BytesIO(data), "ar.png"), "kind": "acknowledgement_of_receipt", "shown_on": "2026-12-17"},
            headers=api.headers,
            content_type="multipart/form-data",
        )
        assert_refused(response, "file", says)
        assert_not_stored(services, data)
    assert api.get(f"/v1/deliveries/{delivery['id']}").json["status"] != "delivered"
    scan = bad_files.real_image("jpeg")
    accepted = api.client.post(
        f"/v1/deliveries/{delivery['id']}/evidence",
        data={"file": (io.BytesIO(scan), "ar.jpg"), "kind": "acknowledgement_of_receipt", "shown_on": "2026-12-17"},
        headers=api.headers,
        content_type="multipart/form-data",
    )
    assert accepted.status_code == 201, accepted.json


def test_an_invoice_copy_with_javascript_is_refused_and_no_invoice_is_created(api: Api, services: Services) -> None:
    debtor = api.post("/v1/debtors", DEBTOR)
    assert debtor.status_code == 201, debtor.json
    body = {
        "debtor_id": debtor.json["id"],
        "number": "F-2026-0099",
        "issue_date": "2026-03-01",
        "due_date": "2026-03-31",
        "amount_due": "980.00",
    }
    unsafe = bad_files.open_action_javascript()
    invoices_before = count(services, Invoice)  # PostgreSQL's database is shared by the session's tests
    refused = api.post("/v1/invoices", {**body, "pdf_base64": base64.b64encode(unsafe).decode()})
    assert_refused(refused, "pdf_base64", "JavaScript")
    assert count(services, Invoice) == invoices_before
    assert_not_stored(services, unsafe)
    accepted = api.post("/v1/invoices", {**body, "pdf_base64": base64.b64encode(bad_files.clean_pdf()).decode()})
    assert accepted.status_code == 201, accepted.json
