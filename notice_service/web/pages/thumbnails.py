"""Pages of a letter as PNG images (PDFium through ``pypdfium2``), cached by the PDF's SHA-256: a document in
the store never changes under its hash, so an image made once stays right."""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict

import pypdfium2

from notice_service.adapters.pdf.pdfium_text import PDFIUM_LOCK

_CACHE: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()
_LOCK = threading.Lock()
_RENDER_LOCK = PDFIUM_LOCK  # PDFium is not thread-safe: one lock for every call into it in the process
CACHE_SIZE = 256
THUMBNAIL_WIDTH = 180
PAGE_WIDTH = 900


def page_count(pdf: bytes) -> int:
    with _RENDER_LOCK:
        document = pypdfium2.PdfDocument(pdf)
        try:
            return len(document)
        finally:
            document.close()


def page_png(pdf: bytes, index: int, width: int) -> bytes | None:
    """Page ``index`` (from 0) ``width`` pixels wide as PNG; ``None`` when the PDF has no such page."""
    key = (hashlib.sha256(pdf).hexdigest(), index, width)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    with _RENDER_LOCK:
        document = pypdfium2.PdfDocument(pdf)
        try:
            if not 0 <= index < len(document):
                return None
            pdf_page = document[index]
            scale = width / pdf_page.get_width()
            image = pdf_page.render(scale=scale).to_pil()
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
        finally:
            document.close()
    png = out.getvalue()
    with _LOCK:
        _CACHE[key] = png
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return png
