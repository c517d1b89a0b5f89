"""Text extraction with PDFium (Chrome's PDF engine, via ``pypdfium2``): the default extractor.

An independent engine from the one that wrote the PDF (WeasyPrint), in-process and fast (a few milliseconds
for a two-page letter), so the completeness check reads what a PDF reader reads without a process per
letter. ``PdftotextExtractor`` (poppler) and ``PypdfTextExtractor`` are twins passing the same contract suite.
"""

from __future__ import annotations

import pypdfium2

from notice_service.errors import RenderFailed


class PdfiumTextExtractor:
    def extract_text(self, pdf: bytes) -> str:
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
