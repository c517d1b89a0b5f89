"""The verification block of an issued letter, read back from the signed PDF by engines independent of the one
that wrote it: PDFium's text has the short URL, and the QR code, rendered by PDFium and decoded by ZXing
(``zxing-cpp``), spells exactly that URL. The code is drawn as vectors (no image on the page), and the signed
PDF still passes ``pdfsig``, ``qpdf --check`` and keeps its PDF/A-3b identification. A notice drafted before
codes existed gets its code at issue, printed and checked like any other.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import select

from notice_service.adapters.pdf.pdfium_text import PdfiumTextExtractor
from notice_service.adapters.system_clock import FixedClock
from notice_service.bootstrap import build_services
from notice_service.db.models.notices import Notice
from notice_service.domain.verification_codes import canonical
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.cases.open import open_case
from notice_service.use_cases.claims.debtors import DebtorInput, register_debtor
from notice_service.use_cases.claims.invoices import InvoiceInput, register_invoice
from notice_service.use_cases.notices.draft import DraftRequest, draft_notice
from notice_service.use_cases.notices.issue import issue_notice
from notice_service.use_cases.notices.queries import get_notice
from notice_service.use_cases.tenants.onboarding import authenticate, create_tenant
from tests.functional.conftest import CREDITOR_PROFILE, NOW

PUBLIC_URL = "https://verifier.atelier-durand.example"


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    data_dir = tmp_path_factory.mktemp("verification")
    settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'notice.db'}", public_url=PUBLIC_URL)
    built = build_services(settings, clock=FixedClock(NOW))
    yield built
    built.db.engine.dispose()


@dataclass(frozen=True)
class Letter:
    notice: dict[str, object]
    pdf: bytes
    path: Path


@pytest.fixture(scope="module")
def actor(services: Services) -> Actor:
    tenant = create_tenant(services, name="Atelier Durand", siren="404833048", profile=CREDITOR_PROFILE)
    return authenticate(services, tenant.api_key)


def _draft(services: Services, actor: Actor, number: str) -> str:
    address = ("8 avenue Jean Jaurès",)
    debtor = register_debtor(
        services,
        actor,
        DebtorInput("business", "Boulangerie Martin SARL", address, "75019", "Paris", siren="732829320"),
    )
    invoice = register_invoice(
        services, actor, InvoiceInput(debtor, number, date(2026, 3, 1), date(2026, 3, 31), Decimal("1234.56"))
    )
    case = open_case(services, actor, debtor, [invoice])
    return draft_notice(services, actor, DraftRequest(case, "formal_notice", date(2026, 6, 30)))


def _issued(services: Services, actor: Actor, notice_id: str, folder: Path) -> Letter:
    issue_notice(services, actor, notice_id)
    notice = get_notice(services, actor, notice_id)
    pdf = services.store.get(notice["storage"]["key"])
    path = folder / f"{notice_id}.pdf"
    path.write_bytes(pdf)
    return Letter(notice, pdf, path)


@pytest.fixture(scope="module")
def letter(services: Services, actor: Actor, tmp_path_factory: pytest.TempPathFactory) -> Letter:
    notice_id = _draft(services, actor, "F-2026-0042")
    return _issued(services, actor, notice_id, tmp_path_factory.mktemp("letters"))


def qr_codes_on_page_one(pdf: bytes, scale: float = 6.0) -> list[str]:
    """Every QR code PDFium's rendering of page 1 shows, decoded by ZXing."""
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=scale).to_pil()
    finally:
        document.close()
    return [found.text for found in zxingcpp.read_barcodes(image) if found.format == zxingcpp.BarcodeFormat.QRCode]


def test_the_text_of_the_signed_pdf_has_the_short_url(letter: Letter) -> None:
    url = letter.notice["verification_url"]
    assert isinstance(url, str) and re.fullmatch(re.escape(PUBLIC_URL) + r"/v/(\w{5}-){3}\w{5}", url), url
    text = re.sub(r"\s+", " ", PdfiumTextExtractor().extract_text(letter.pdf))
    assert url in text
    assert "Vérifiez l’authenticité de ce courrier" in text
    assert letter.notice["completeness"]["checked"].count("verification") == 1  # type: ignore[index]


def test_the_qr_code_decodes_to_the_url(letter: Letter) -> None:
    assert qr_codes_on_page_one(letter.pdf) == [letter.notice["verification_url"]]


def test_the_qr_code_is_vector_drawing_not_an_image(letter: Letter) -> None:
    page = PdfReader(letter.path).pages[0]
    xobjects = page["/Resources"].get("/XObject") or {}  # type: ignore[attr-defined]
    images = [name for name, ref in xobjects.items() if ref.get_object().get("/Subtype") == "/Image"]
    assert images == []


def test_the_signed_pdf_still_passes_pdfsig_qpdf_and_keeps_pdfa(letter: Letter) -> None:
    report = subprocess.run(["pdfsig", "-nocert", str(letter.path)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in report and "Total document signed" in report
    check = subprocess.run(["qpdf", "--check", str(letter.path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    xmp = PdfReader(letter.path).trailer["/Root"]["/Metadata"].get_object().get_data()  # type: ignore[index]
    assert re.search(rb"pdfaid:part(>|=\")3", xmp) and re.search(rb"pdfaid:conformance(>|=\")B", xmp)
    assert hashlib.sha256(letter.pdf).hexdigest() == letter.notice["document"]["sha256"]  # type: ignore[index]


def test_a_notice_drafted_before_codes_existed_gets_one_at_issue(
    services: Services, actor: Actor, tmp_path_factory: pytest.TempPathFactory
) -> None:
    notice_id = _draft(services, actor, "F-2026-0043")
    with services.db.transaction() as session:  # as 0013e leaves a draft made before it
        row = session.execute(select(Notice).where(Notice.id == notice_id)).scalar_one()
        row.verification_code = None
        row.letter_data = {key: value for key, value in row.letter_data.items() if key != "verification"}
    letter = _issued(services, actor, notice_id, tmp_path_factory.mktemp("legacy"))
    url = str(letter.notice["verification_url"])
    with services.db.reading() as session:
        code = session.execute(select(Notice.verification_code).where(Notice.id == notice_id)).scalar_one()
    assert code is not None and canonical(url.rsplit("/", 1)[1]) == code
    assert qr_codes_on_page_one(letter.pdf) == [url]
