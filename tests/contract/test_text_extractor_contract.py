"""One contract for every ``PdfTextExtractor``: PDFium (the service's), poppler's pdftotext and pypdf (twins).

Each must read a real letter rendered by WeasyPrint well enough for the completeness check (French text,
amounts with narrow no-break spaces, every page), and answer ``RenderFailed`` for bytes that are not a PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import weasyprint

from notice_service.adapters.pdf.pdfium_text import PdfiumTextExtractor
from notice_service.adapters.pdf.poppler_text import PdftotextExtractor
from notice_service.adapters.pdf.pypdf_text import PypdfTextExtractor
from notice_service.domain.completeness import fold
from notice_service.errors import RenderFailed
from notice_service.ports import PdfTextExtractor

EXTRACTORS: dict[str, Callable[[], PdfTextExtractor]] = {
    "pdfium": PdfiumTextExtractor,
    "pdftotext": PdftotextExtractor,
    "pypdf": PypdfTextExtractor,
}
LETTER = """
<p>Mise en demeure de payer</p>
<p>Total restant dû : 1\u202f234,56\u00a0€, dans un délai de 8 jours à compter de la réception.</p>
<p style="page-break-before: always">Fait à Lyon, le 22 novembre 2026</p>
"""


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    return bytes(weasyprint.HTML(string=LETTER).write_pdf())


@pytest.fixture(params=sorted(EXTRACTORS))
def extractor(request: pytest.FixtureRequest) -> PdfTextExtractor:
    return EXTRACTORS[request.param]()


def test_reads_french_text_on_every_page(extractor: PdfTextExtractor, letter_pdf: bytes) -> None:
    text = fold(extractor.extract_text(letter_pdf))
    for expected in ("mise en demeure de payer", "1 234,56 €", "délai de 8 jours à compter de la réception"):
        assert fold(expected) in text, (expected, text)
    assert "fait à lyon, le 22 novembre 2026" in text  # the second page


@pytest.mark.parametrize("garbage", [b"", b"not a pdf", b"%PDF-1.7\n garbage without objects"])
def test_garbage_is_a_render_failure(extractor: PdfTextExtractor, garbage: bytes) -> None:
    with pytest.raises(RenderFailed):
        extractor.extract_text(garbage)


def test_threads_extracting_at_once_read_what_one_thread_reads(extractor: PdfTextExtractor, letter_pdf: bytes) -> None:
    """The issue extracts in a thread beside the signature, and the embedded profile's request threads share the
    process with its worker: PDFium is not thread-safe, so its extractor serialises its calls."""
    alone = extractor.extract_text(letter_pdf)
    with ThreadPoolExecutor(max_workers=4) as pool:
        texts = list(pool.map(lambda _: extractor.extract_text(letter_pdf), range(16)))
    assert texts == [alone] * 16
