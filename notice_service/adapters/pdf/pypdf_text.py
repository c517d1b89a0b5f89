"""Text extraction from our own PDFs with pypdf, for the completeness check on the final bytes."""

from __future__ import annotations

import io

from pypdf import PdfReader

from notice_service.errors import RenderFailed


class PypdfTextExtractor:
    def extract_text(self, pdf: bytes) -> str:
        try:
            reader = PdfReader(io.BytesIO(pdf))
            return "\n".join(page.extract_text() or "" for page in reader.pages)
        except Exception as exc:  # pypdf raises many exception types on damaged files
            raise RenderFailed(f"The PDF's text could not be read: {exc}") from exc
