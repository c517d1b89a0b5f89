"""Text extraction with PDFium (Chrome's PDF engine, via ``pypdfium2``): the default extractor.

An independent engine from the one that wrote the PDF (WeasyPrint), in-process and fast (a few milliseconds
for a two-page letter), so the completeness check reads what a PDF reader reads without a process per
letter. ``PdftotextExtractor`` (poppler) and ``PypdfTextExtractor`` are twins passing the same contract suite.

PDFium is not thread-safe: every call into it in this process holds ``PDFIUM_LOCK`` (the extraction here, the
pages' images in ``web/pages/thumbnails.py``); the issue runs the extraction beside the signature's time-stamp
request, and the embedded profile's request threads and worker thread share the process.
"""

from __future__ import annotations

import threading

import pypdfium2

from notice_service.errors import RenderFailed

PDFIUM_LOCK = threading.Lock()


class PdfiumTextExtractor:
    def extract_text(self, pdf: bytes) -> str:
        with PDFIUM_LOCK:
            return self._extract(pdf)

    def _extract(self, pdf: bytes) -> str:
        try:
            document = pypdfium2.PdfDocument(pdf)
        except pypdfium2.PdfiumError as exc:
            raise RenderFailed(f"The PDF's text could not be read by PDFium: {exc}") from exc
        try:
            pages = []
            for index in range(len(document)):
                page = document[index]
                text_page = page.get_textpage()
                pages.append(text_page.get_text_range())
                text_page.close()
                page.close()
            return "\n".join(pages)
        finally:
            document.close()
