"""The dossier's reading copy: PDFs merged in order with one bookmark per part (pypdf).

Signatures of merged PDFs do not survive a merge; the reading copy says so, and the signed originals stay in
``pieces/``. A part pypdf cannot read, or one with no page, is replaced by a page naming it (and saying the
original is in ``pieces/``), so one odd exhibit does not stop the dossier. A part whose bytes cannot be loaded
(the store's error) is not masked: it comes out as it is. No parts at all is ``RenderFailed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ContentStream, DictionaryObject, NameObject

from notice_service.errors import RenderFailed
from notice_service.ports import MergePart

A4 = (595, 842)


class PypdfDossierMerger:
    def merge(self, parts: Sequence[MergePart]) -> bytes:
        if not parts:
            raise RenderFailed("The reading copy needs at least one part to merge.")
        writer = PdfWriter()
        for part in parts:
            data = part.load()  # outside the try: a missing exhibit is the store's error, not a replaced page
            first_page = len(writer.pages)
            try:
                writer.append(PdfReader(BytesIO(data)), import_outline=False)
            except Exception:  # any failure to parse an exhibit (pypdf raises many kinds): it is replaced
                while len(writer.pages) > first_page:
                    writer.remove_page(len(writer.pages) - 1)
            if len(writer.pages) == first_page:
                _add_notice_page(writer, part.title)
            writer.add_outline_item(title=part.title, page_number=first_page)
        writer.add_metadata({"/Title": "Dossier de pièces (copie de lecture)"})
        output = BytesIO()
        writer.write(output)
        writer.close()
        return output.getvalue()


def _add_notice_page(writer: PdfWriter, title: str) -> None:
    """An A4 page naming a part that cannot be shown (Helvetica, WinAnsi: French accents print)."""
    page = writer.add_blank_page(*A4)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    lines = [
        title,
        "Cette pièce ne peut pas être reproduite dans la copie de lecture :",
        "voir l'original dans pieces/.",
    ]
    text = b"".join(
        b"BT /F1 12 Tf 56 %d Td (%s) Tj ET\n" % (780 - 18 * i, _pdf_string(line)) for i, line in enumerate(lines)
    )
    stream = ContentStream(None, writer)
    stream.set_data(text)
    page[NameObject("/Contents")] = writer._add_object(stream)


def _pdf_string(text: str) -> bytes:
    """A PDF literal string's content in WinAnsi, with ``\\``, ``(`` and ``)`` escaped (unknown characters: ?)."""
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
