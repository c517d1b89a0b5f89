"""Every letter kind × variant looked at as images: rendered, rasterised with ``pdftoppm -png``, and checked
with ``pdftotext -bbox`` that no word overflows the printable area and the recipient's address shows through
the envelope window (positions in letter_templates/_base/letter.css). The figures are the engine's
(``letter_samples``), and a test checks they add up (issue 12 finding 15).

``python -m tests.integration.notices.test_letter_images docs/letters`` writes page 1 of each as the README's PNGs.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from notice_service.adapters.pdf.weasyprint_renderer import WeasyPrintRenderer
from notice_service.domain.rates import HalfYear, l441_10_rate
from notice_service.letter_catalogue import KINDS, TITLES
from notice_service.ports import LetterRequest, RenderedLetter
from notice_service.rate_data import load_rate_tables
from tests.contract.test_renderer_contract import TEMPLATES_DIR, sample_context
from tests.integration.notices.letter_samples import engine_context

MM = 72 / 25.4
PAGE = (210 * MM, 297 * MM)
# Text column (page margins of letter.css: left 20 mm, right 18 mm) and the page minus 5 mm top and bottom,
# where the preview banner and the legal footer live.
PRINTABLE = (20 * MM - 1, 5 * MM, PAGE[0] - 18 * MM + 1, PAGE[1] - 5 * MM)
WINDOW = (90 * MM, 45 * MM, 190 * MM, 90 * MM)
LETTERS = [(kind, variant) for kind, variants in KINDS.items() for variant in variants]
NAMESPACE = {"x": "http://www.w3.org/1999/xhtml"}


def letter_context(kind: str, variant: str) -> dict[str, Any]:
    """The renderer contract's sample parties, with what each kind adds (tone, history, agency) and the figures
    the engine computes for the sample case (``letter_samples``: invoices, décompte, periods, plan)."""
    context = sample_context(variant.removeprefix("agency_"))
    context["notice"].update(kind=kind, tone="courteous", deadline_days=8 if kind == "formal_notice" else None)
    context["earlier_letters"] = [
        {"id": "N-2026-000101", "kind": "pre_reminder", "title": TITLES["pre_reminder"], "date": date(2025, 12, 22)},
        {"id": "N-2026-000117", "kind": "reminder", "title": TITLES["reminder"], "date": date(2026, 3, 16)},
    ][: {"pre_reminder": 0, "reminder": 1}.get(kind, 2)]
    if variant.startswith("agency_"):
        context["agency"] = {
            "principal": {"name": "Menuiserie Lambert SAS", "siren": "404 833 048",
                          "address_lines": ["14 rue des Artisans"], "postal_code": "42000", "city": "Saint-Étienne"}
        }  # fmt: skip
    return engine_context(kind, variant, context)


def test_the_sample_figures_are_the_engines_and_coherent() -> None:
    """Issue 12 finding 15: what the README's pictures show adds up and is what the service computes."""
    tables = load_rate_tables()
    for kind, variant in LETTERS:
        context = letter_context(kind, variant)
        statement, invoices = context["statement"], context["invoices"]
        assert (
            statement["total"]
            == statement["principal"] + statement["interest"] + statement["indemnities"] - (statement["paid"])
        )
        assert statement["principal"] == sum(i["amount_due"] for i in invoices)
        assert statement["paid"] == sum(i["paid"] for i in invoices)
        periods = [p for i in invoices for p in i["periods"]]
        if variant.endswith("b2c") or kind == "pre_reminder":
            assert (statement["interest"], periods) == (Decimal("0.00"), [])  # no mise en demeure received yet
        else:
            assert periods and all(p["rate"] == l441_10_rate(tables, HalfYear.of(p["from"])) for p in periods)
            assert sum(p["amount"] for p in periods) - statement["interest"] in (Decimal("0.00"), Decimal("0.01"))
        if kind == "payment_plan":
            assert sum(i["amount"] for i in context["installments"]) == statement["total"]
            assert all(i["due_date"] > context["notice"]["date"] for i in context["installments"])


@pytest.fixture(scope="module")
def renderer() -> WeasyPrintRenderer:
    return WeasyPrintRenderer(TEMPLATES_DIR)


def render(renderer: WeasyPrintRenderer, kind: str, variant: str) -> RenderedLetter:
    request = LetterRequest(kind=kind, variant=variant, context=letter_context(kind, variant), title=TITLES[kind])
    return renderer.render(request)


def words_by_page(pdf: Path) -> list[list[tuple[str, float, float, float, float]]]:
    """``pdftotext -bbox``: per page, each word and its box in points from the top-left corner."""
    bbox = subprocess.run(["pdftotext", "-bbox", pdf, "-"], check=True, capture_output=True, text=True).stdout
    pages = ET.fromstring(bbox).iterfind(".//x:page", NAMESPACE)  # noqa: S314 - poppler's output on our PDF
    return [
        [
            (word.text or "", *(float(word.attrib[key]) for key in ("xMin", "yMin", "xMax", "yMax")))
            for word in page.iterfind("x:word", NAMESPACE)
        ]
        for page in pages
    ]


@pytest.mark.parametrize(("kind", "variant"), LETTERS)
def test_letter_pages_fit_and_the_address_shows_in_the_window(
    renderer: WeasyPrintRenderer, kind: str, variant: str, tmp_path: Path
) -> None:
    letter = render(renderer, kind, variant)
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(letter.pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "50", pdf, tmp_path / "page"], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == letter.page_count and 1 <= letter.page_count <= 2
    assert all(image.read_bytes().startswith(b"\x89PNG") for image in images)
    pages = words_by_page(pdf)
    assert len(pages) == letter.page_count
    x0, y0, x1, y1 = PRINTABLE
    for number, words in enumerate(pages, start=1):
        outside = [w for w in words if not (x0 <= w[1] and w[3] <= x1 and y0 <= w[2] and w[4] <= y1)]
        assert not outside, f"page {number}: {outside[:5]}"
    debtor = letter_context(kind, variant)["debtor"]
    first_page = pages[0]
    for text in (*debtor["name"].split(), debtor["postal_code"], debtor["city"].upper()):
        word = min((w for w in first_page if w[0] == text), key=lambda w: w[2])
        wx0, wy0, wx1, wy1 = WINDOW
        assert wx0 <= word[1] and word[3] <= wx1 and wy0 <= word[2] and word[4] <= wy1, word


def write_examples(folder: Path) -> None:
    """Page 1 of each kind × variant as ``<kind>-<variant>.png`` at 60 dpi (the README's pictures)."""
    folder.mkdir(parents=True, exist_ok=True)
    renderer = WeasyPrintRenderer(TEMPLATES_DIR)
    for kind, variant in LETTERS:
        pdf = folder / f"{kind}-{variant}.pdf"
        pdf.write_bytes(render(renderer, kind, variant).pdf)
        command = ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf, pdf.with_suffix("")]
        subprocess.run(command, check=True)
        pdf.unlink()


if __name__ == "__main__":
    write_examples(Path(sys.argv[1]))
