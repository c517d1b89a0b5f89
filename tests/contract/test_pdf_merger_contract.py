"""One contract for every ``PdfMerger``: the dossier's reading copy, parts in order, one bookmark per part.

Inputs are real PDFs rendered by WeasyPrint; the output is read by engines other than the merger's (PDFium
through ``PdfiumTextExtractor`` and ``pypdfium2`` for pages and bookmarks, ``qpdf --check`` for structure).

Bad inputs. A part that cannot be read does not stop the dossier (``merger.py``: "one odd exhibit does not
stop the dossier"; ``use_cases/dossier/export.py`` catches nothing around ``merge``): it is replaced by one
page, bookmarked with the part's title, and its neighbours are intact. A part whose bytes cannot be loaded
(the store's error) is not masked. No parts at all is a service error. A damaged part (an unknown
filter, a broken object stream), an empty PDF or bytes that are not a PDF become a page naming the part.
"""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
import pytest
import weasyprint
from pypdf import PdfWriter

from notice_service.adapters.pdf.merger import PypdfDossierMerger
from notice_service.adapters.pdf.pdfium_text import PdfiumTextExtractor
from notice_service.adapters.storage.memory_store import InMemoryDocumentStore
from notice_service.domain.completeness import fold
from notice_service.errors import DocumentNotFound, NoticeError
from notice_service.ports import MergePart, PdfMerger

MERGERS: dict[str, Callable[[], PdfMerger]] = {
    "pypdf": PypdfDossierMerger,
}
PAGE_BREAK = '<p style="page-break-before: always">'


@dataclass(frozen=True)
class Part:
    title: str
    pdf: bytes
    page_texts: tuple[str, ...]  # a phrase found on each of its pages, in order


def render(*pages: str) -> bytes:
    return bytes(weasyprint.HTML(string="".join(f"{PAGE_BREAK}{text}</p>" for text in pages)).write_pdf())


@pytest.fixture(scope="module")
def parts() -> tuple[Part, ...]:
    specs = [
        ("Bordereau des pièces", ("Bordereau des pièces communiquées", "Suite du bordereau, page deux")),
        ("Requête en injonction de payer", ("Requête en injonction de payer : 1\u202f234,56\u00a0€",)),
        ("Pièce n° 1 — Facture F-2026-0042", ("Facture F-2026-0042 du 1er mars", "Conditions générales", "Fin")),
    ]
    return tuple(Part(title, render(*texts), texts) for title, texts in specs)


@pytest.fixture(params=sorted(MERGERS))
def merger(request: pytest.FixtureRequest) -> PdfMerger:
    return MERGERS[request.param]()


def loader(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def merge_parts(merger: PdfMerger, parts: Sequence[tuple[str, bytes]]) -> bytes:
    return merger.merge([MergePart(title, loader(data)) for title, data in parts])


@dataclass(frozen=True)
class Reading:
    """What PDFium reads in a PDF: each page's text, and the bookmarks as (level, title, page index)."""

    pages: list[str]
    bookmarks: list[tuple[int, str, int | None]]


def read(pdf: bytes) -> Reading:
    document = pypdfium2.PdfDocument(pdf)
    try:
        bookmarks = []
        for item in document.get_toc():
            destination = item.get_dest()
            bookmarks.append((item.level, item.get_title(), destination.get_index() if destination else None))
        pages = []
        for index in range(len(document)):
            single = pypdfium2.PdfDocument.new()
            single.import_pages(document, [index])
            buffer = io.BytesIO()
            single.save(buffer)
            single.close()
            pages.append(fold(PdfiumTextExtractor().extract_text(buffer.getvalue())))
        return Reading(pages, bookmarks)
    finally:
        document.close()


def expected_bookmarks(titles_and_page_counts: Sequence[tuple[str, int]]) -> list[tuple[int, str, int | None]]:
    bookmarks, first = [], 0
    for title, count in titles_and_page_counts:
        bookmarks.append((0, title, first))
        first += count
    return bookmarks


# Parts in order, one bookmark each.


def test_pages_are_the_parts_in_order(merger: PdfMerger, parts: tuple[Part, ...]) -> None:
    reading = read(merge_parts(merger, [(p.title, p.pdf) for p in parts]))
    expected = [fold(text) for part in parts for text in part.page_texts]
    assert len(reading.pages) == len(expected) == 6
    for page, text in zip(reading.pages, expected, strict=True):
        assert text in page, (text, page)


def test_each_part_has_one_top_level_bookmark_on_its_first_page(merger: PdfMerger, parts: tuple[Part, ...]) -> None:
    reading = read(merge_parts(merger, [(p.title, p.pdf) for p in parts]))
    assert reading.bookmarks == expected_bookmarks([(p.title, len(p.page_texts)) for p in parts])


def test_order_follows_the_parts_not_their_content(merger: PdfMerger, parts: tuple[Part, ...]) -> None:
    reordered = [parts[2], parts[0], parts[1], parts[0]]  # and the same PDF twice is two parts
    reading = read(merge_parts(merger, [(p.title, p.pdf) for p in reordered]))
    assert reading.bookmarks == expected_bookmarks([(p.title, len(p.page_texts)) for p in reordered])
    assert reading.pages == [
        page for part in reordered for page in read(part.pdf).pages
    ]  # each page as PDFium reads it in the part itself


def test_the_full_text_of_every_part_is_in_the_merged_pdf(merger: PdfMerger, parts: tuple[Part, ...]) -> None:
    text = fold(PdfiumTextExtractor().extract_text(merge_parts(merger, [(p.title, p.pdf) for p in parts])))
    positions = [text.find(fold(phrase)) for part in parts for phrase in part.page_texts]
    assert -1 not in positions, (positions, text)
    assert positions == sorted(positions)


def test_qpdf_finds_no_error_or_warning(merger: PdfMerger, parts: tuple[Part, ...], tmp_path: Path) -> None:
    merged = tmp_path / "dossier.pdf"
    merged.write_bytes(merge_parts(merger, [(p.title, p.pdf) for p in parts] + [("Illisible", b"not a pdf")]))
    checked = subprocess.run(["qpdf", "--check", str(merged)], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stdout + checked.stderr  # 2: errors, 3: warnings
    assert "No syntax or stream encoding errors found" in checked.stdout


# Bad inputs.


@pytest.mark.parametrize(
    "unreadable",
    [b"", b"not a pdf", b"%PDF-1.7\n garbage without objects", "truncated"],
    ids=["empty-bytes", "not-a-pdf", "header-only", "truncated"],
)
def test_an_unreadable_part_is_one_bookmarked_page_between_intact_neighbours(
    merger: PdfMerger, parts: tuple[Part, ...], unreadable: bytes | str
) -> None:
    bad = parts[1].pdf[: len(parts[1].pdf) // 2] if unreadable == "truncated" else unreadable
    assert isinstance(bad, bytes)
    first, last = parts[0], parts[2]
    reading = read(
        merge_parts(merger, [(first.title, first.pdf), ("Pièce n° 2 — illisible", bad), (last.title, last.pdf)])
    )
    assert reading.bookmarks == expected_bookmarks(
        [(first.title, len(first.page_texts)), ("Pièce n° 2 — illisible", 1), (last.title, len(last.page_texts))]
    )
    assert len(reading.pages) == len(first.page_texts) + 1 + len(last.page_texts)
    assert fold(first.page_texts[-1]) in reading.pages[len(first.page_texts) - 1]
    assert fold(last.page_texts[0]) in reading.pages[len(first.page_texts) + 1]


def test_the_replacement_page_names_the_unreadable_part(merger: PdfMerger) -> None:
    title = "Pièce n° 7 — Relevé bancaire"
    reading = read(merge_parts(merger, [(title, b"not a pdf")]))
    assert len(reading.pages) == 1
    assert fold(title) in reading.pages[0], reading.pages


def damaged(pdf: bytes, how: str) -> bytes:
    """A WeasyPrint PDF whose object stream is damaged in place (same length, so the xref still points right)."""
    pattern = {
        "unknown-filter": rb"(/Type /ObjStm[^>]*/Filter /FlateDecod)e",
        "not-an-object-stream": rb"(/Type /ObjSt)m",
    }
    broken, count = re.subn(pattern[how], rb"\1X" if how == "unknown-filter" else rb"\1_", pdf, count=1)
    assert count == 1 and len(broken) == len(pdf)
    return broken


@pytest.mark.parametrize(
    "how",
    [
        "unknown-filter",
        "not-an-object-stream",
    ],
)
def test_a_damaged_part_is_replaced_not_an_unrelated_exception(
    merger: PdfMerger, parts: tuple[Part, ...], how: str
) -> None:
    bad = damaged(parts[1].pdf, how)
    reading = read(merge_parts(merger, [(parts[0].title, parts[0].pdf), ("Pièce abîmée", bad)]))
    assert reading.bookmarks[-1] == (0, "Pièce abîmée", len(parts[0].page_texts))


def test_a_pdf_with_no_pages_still_has_its_bookmark(merger: PdfMerger, parts: tuple[Part, ...]) -> None:
    empty = io.BytesIO()
    PdfWriter().write(empty)  # a well-formed PDF with an empty page tree
    reading = read(merge_parts(merger, [("Pièce vide", empty.getvalue()), (parts[1].title, parts[1].pdf)]))
    assert [title for _level, title, _page in reading.bookmarks] == ["Pièce vide", parts[1].title]
    assert len(reading.pages) == 2


def test_no_parts_is_a_service_error(merger: PdfMerger) -> None:
    with pytest.raises(NoticeError):
        merger.merge([])


def test_a_part_that_cannot_be_loaded_is_not_masked(merger: PdfMerger, parts: tuple[Part, ...]) -> None:
    """The store's error comes out as it is: a missing exhibit is not silently replaced by a page."""
    empty_store, missing = InMemoryDocumentStore(), "sha256/" + "0" * 64
    with pytest.raises(DocumentNotFound):
        merger.merge(
            [MergePart(parts[0].title, loader(parts[0].pdf)), MergePart("Absente", lambda: empty_store.get(missing))]
        )
