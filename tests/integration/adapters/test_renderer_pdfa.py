"""What ``WeasyPrintRenderer`` puts in the PDF bytes: PDF/A-3b identification, output intent, embedded
fonts, associated files, the letter's text, and the recipient's address where the envelope window is.

The PDFs are inspected with independent tools (poppler's pdffonts/pdftotext, qpdf, pypdf); each variant
is rendered once per module.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from notice_service.adapters.pdf.pypdf_text import PypdfTextExtractor
from notice_service.adapters.pdf.weasyprint_renderer import WeasyPrintRenderer
from notice_service.domain.completeness import check_mentions
from notice_service.letter_catalogue import mentions_for
from notice_service.ports import Attachment, RenderedLetter
from notice_service.use_cases.notices.letter_context import invoice_mentions, mention_values
from tests.contract.test_renderer_contract import TEMPLATES_DIR, letter_request, sample_context

MM = 72 / 25.4
# The window of a French DL envelope as it falls on the A4 sheet (see letter_templates/_base/letter.css).
WINDOW = (90 * MM, 45 * MM, 190 * MM, 90 * MM)  # x0, y0, x1, y1 in points from the top-left corner
ATTACHMENTS = (
    Attachment("notice.json", b'{"id": "N-2026-000123"}', "application/json", "Données de la notice", "Source"),
    Attachment("factures.xml", b"<factures/>", "application/xml", "Factures en cause", "Data"),
)


@dataclass(frozen=True)
class RenderedFile:
    letter: RenderedLetter
    path: Path
    title: str

    @property
    def reader(self) -> PdfReader:
        return PdfReader(io.BytesIO(self.letter.pdf))


def run(*command: str | Path) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def layout_text(path: Path) -> str:
    """``pdftotext -layout`` with every run of whitespace (narrow/no-break spaces too) made one space."""
    return re.sub(r"\s+", " ", run("pdftotext", "-layout", path, "-"))


@pytest.fixture(scope="module")
def renderer() -> WeasyPrintRenderer:
    return WeasyPrintRenderer(TEMPLATES_DIR)


def render_to_file(renderer: WeasyPrintRenderer, folder: Path, variant: str, **changes: object) -> RenderedFile:
    request = letter_request(variant, **changes)
    letter = renderer.render(request)
    path = folder / f"{variant}.pdf"
    path.write_bytes(letter.pdf)
    return RenderedFile(letter, path, request.title)


@pytest.fixture(scope="module")
def b2b(renderer: WeasyPrintRenderer, tmp_path_factory: pytest.TempPathFactory) -> RenderedFile:
    return render_to_file(renderer, tmp_path_factory.mktemp("b2b"), "b2b", attachments=ATTACHMENTS)


@pytest.fixture(scope="module")
def b2c(renderer: WeasyPrintRenderer, tmp_path_factory: pytest.TempPathFactory) -> RenderedFile:
    context = sample_context("b2c")
    context["development_certificate"] = True
    context["notice"]["deadline_date"] = context["notice"]["date"].replace(day=30)
    return render_to_file(renderer, tmp_path_factory.mktemp("b2c"), "b2c", context=context, preview=True)


# --------------------------------------------------------------------------------------- PDF/A


def xmp_properties(rendered: RenderedFile) -> set[tuple[str, str]]:
    """Every XMP property and value, as attribute or element text, with the namespace dropped."""
    metadata = rendered.reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    properties: set[tuple[str, str]] = set()
    for element in ET.fromstring(metadata).iter():  # noqa: S314 - the XMP packet we just rendered
        properties.update((name.rpartition("}")[2], value) for name, value in element.attrib.items())
        if element.text and element.text.strip():
            properties.add((element.tag.rpartition("}")[2], element.text.strip()))
    return properties


def test_xmp_identifies_pdfa_3b_with_title_and_language(b2b: RenderedFile) -> None:
    properties = xmp_properties(b2b)
    assert {("part", "3"), ("conformance", "B"), ("li", b2b.title)} <= properties
    assert b2b.reader.trailer["/Root"]["/Lang"] == "fr"
    assert b2b.letter.pdf.startswith(b"%PDF-1.7")


def test_output_intent_carries_an_rgb_icc_profile(b2b: RenderedFile) -> None:
    (intent,) = [i.get_object() for i in b2b.reader.trailer["/Root"]["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3
    assert profile.get_data()[36:40] == b"acsp"  # ICC profile signature


@pytest.mark.parametrize("variant", ["b2b", "b2c"])
def test_every_font_is_embedded_and_bundled(variant: str, request: pytest.FixtureRequest) -> None:
    rendered: RenderedFile = request.getfixturevalue(variant)
    rows = run("pdffonts", rendered.path).splitlines()[2:]
    assert rows
    for row in rows:
        name, *_, emb, _sub, _uni, _obj, _gen = row.split()
        assert emb == "yes", row
        assert re.fullmatch(r"[A-Z]{6}\+Letter-(Sans|Sans-Bold|Serif)", name), row


def test_attachments_are_pdfa3_associated_files(b2b: RenderedFile) -> None:
    root = b2b.reader.trailer["/Root"]
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    filespecs = {str(names[i]): names[i + 1].get_object() for i in range(0, len(names), 2)}
    assert list(filespecs) == sorted(a.filename for a in ATTACHMENTS)  # a name tree is sorted
    associated = [reference.get_object() for reference in root["/AF"]]
    for attachment in ATTACHMENTS:
        filespec: DictionaryObject = filespecs[attachment.filename]
        assert filespec in associated
        assert filespec["/AFRelationship"] == f"/{attachment.relationship}"
        assert filespec["/Desc"] == attachment.description
        embedded = filespec["/EF"]["/F"].get_object()
        assert embedded["/Subtype"] == f"/{attachment.mime_type}"
        assert "/ModDate" in embedded["/Params"]
        assert embedded.get_data() == attachment.data
    assert "notice.json" in run("pdfdetach", "-list", b2b.path)


def test_qpdf_finds_no_structural_error(b2b: RenderedFile, b2c: RenderedFile) -> None:
    for rendered in (b2b, b2c):
        result = subprocess.run(["qpdf", "--check", rendered.path], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


# ------------------------------------------------------------------------------------- the text


def test_b2b_text_has_the_mentions_formatted_in_french(b2b: RenderedFile) -> None:
    text = layout_text(b2b.path)
    for mention in (
        "Mise en demeure de payer",
        "1 234,56 €",
        "1 859,68 €",
        "22 novembre 2026",
        "Votre référence client CLI-0042",
        "SIREN 732 829 320",
        "SAS au capital de 50 000 €",
        "RCS Lyon",
        "TVA intracommunautaire FR40552100554",
        "dans un délai de 8 jours à compter de la réception de la présente",
        "indemnité forfaitaire pour frais de recouvrement de 40 € par facture",
        "(art. L441-10 et D441-5 C. com.)",
        "tribunal de commerce",
        "injonction de payer",
        "FR76 3000 6000 0112 3456 7890 189",
        "MED-000123",
        "Fait à Lyon, le 22 novembre 2026",
        "Jeanne Durand",
        "Lettre recommandée avec demande d’avis de réception",
        "1A 234 567 8901 2",
    ):
        assert mention.casefold() in text.casefold(), mention
    assert "APERÇU" not in text
    assert "DÉVELOPPEMENT" not in text


def test_b2c_text_follows_consumer_law(b2c: RenderedFile) -> None:
    text = layout_text(b2c.path)
    assert "au taux légal à compter de la réception de la présente mise en demeure" in text
    assert "(art. 1231-6 et 1344-1 C. civ.)" in text
    assert "tribunal judiciaire" in text
    assert "40 €" not in text
    assert "tribunal de commerce" not in text
    assert "au plus tard le 30 novembre 2026" in text


def test_b2c_preview_and_development_markers(b2c: RenderedFile) -> None:
    text = layout_text(b2c.path)
    assert "APERÇU — NON ENVOYÉ" in text
    assert "Signé avec un certificat de DÉVELOPPEMENT — sans valeur probante" in text


def as_letter_data(context: dict[str, object]) -> dict[str, object]:
    """The context as the JSON letter data it is thawed from (amounts and dates as strings)."""

    def encode(value: object) -> str:
        assert isinstance(value, date | Decimal), value
        return value.isoformat() if isinstance(value, date) else str(value)

    data: dict[str, object] = json.loads(json.dumps(context, default=encode))
    return data


@pytest.mark.parametrize("variant", ["b2b", "b2c"])
def test_every_mention_the_kind_declares_is_read_on_the_pdf(variant: str, request: pytest.FixtureRequest) -> None:
    """letter_templates/formal_notice/mentions.json, checked the way issuing checks it."""
    rendered: RenderedFile = request.getfixturevalue(variant)
    data = as_letter_data(sample_context(variant))
    mentions = [*mentions_for("formal_notice", variant), *invoice_mentions(data)]
    text = PypdfTextExtractor().extract_text(rendered.letter.pdf)
    result = check_mentions(text, mentions, mention_values(data))
    assert result.complete, result.missing


# ----------------------------------------------------------------------------------- the layout


@dataclass(frozen=True)
class Word:
    """One word of ``pdftotext -bbox``, in points from the page's top-left corner."""

    text: str
    left: float
    top: float
    right: float
    bottom: float

    def inside(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        return x0 <= self.left and self.right <= x1 and y0 <= self.top and self.bottom <= y1


def highest_on_first_page(path: Path, text: str) -> Word:
    """The occurrence of ``text`` nearest the top of page 1 (the letterhead comes before the body)."""
    namespace = {"x": "http://www.w3.org/1999/xhtml"}
    bbox = run("pdftotext", "-bbox", "-f", "1", "-l", "1", path, "-")
    page = ET.fromstring(bbox).find(".//x:page", namespace)  # noqa: S314 - poppler's output on our PDF
    assert page is not None
    words = [
        Word(element.text or "", *(float(element.attrib[key]) for key in ("xMin", "yMin", "xMax", "yMax")))
        for element in page.iterfind("x:word", namespace)
    ]
    return min((word for word in words if word.text == text), key=lambda word: word.top)


@pytest.mark.parametrize("variant", ["b2b", "b2c"])
def test_recipient_address_shows_through_the_envelope_window(variant: str, request: pytest.FixtureRequest) -> None:
    rendered: RenderedFile = request.getfixturevalue(variant)
    debtor = sample_context(variant)["debtor"]
    for text in (*debtor["name"].split(), debtor["postal_code"], debtor["city"].upper()):
        word = highest_on_first_page(rendered.path, text)
        assert word.inside(*WINDOW), word


def test_creditor_block_is_top_left(b2b: RenderedFile) -> None:
    word = highest_on_first_page(b2b.path, "Durand")
    assert word.inside(20 * MM, 15 * MM, 95 * MM, 50 * MM), word
