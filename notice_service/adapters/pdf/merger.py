"""The dossier's reading copy: PDFs merged in order with one bookmark per part (pypdf).

Signatures of merged PDFs do not survive a merge; the reading copy says so, and the signed originals stay in
``pieces/``. A part pypdf cannot read is replaced by a one-line page naming it, so one odd exhibit does not stop
the dossier.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

from notice_service.ports import MergePart


class PypdfDossierMerger:
    def merge(self, parts: Sequence[MergePart]) -> bytes:
        writer = PdfWriter()
        for part in parts:
            first_page = len(writer.pages)
            try:
                writer.append(PdfReader(BytesIO(part.load())), import_outline=False)
            except (PyPdfError, ValueError, KeyError, TypeError):
                writer.add_blank_page(595, 842)
            if len(writer.pages) > first_page:
                writer.add_outline_item(title=part.title, page_number=first_page)
        writer.add_metadata({"/Title": "Dossier de pièces (copie de lecture)"})
        output = BytesIO()
        writer.write(output)
        writer.close()
        return output.getvalue()
