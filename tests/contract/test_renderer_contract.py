"""Contract of the ``Renderer`` port, run against every implementation through the ``renderer`` fixture.

An in-memory twin joins by adding a parameter to ``renderer``; the assertions stay the same. The last
sections pin what is particular to ``WeasyPrintRenderer``: the digest over the files on disk, the
French filters, and template mistakes failing loudly.
``sample_context`` is also the letter context of ``tests/integration/test_renderer_pdfa.py``.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from notice_service.adapters.pdf.weasyprint_renderer import (
    WeasyPrintRenderer,
    format_date_fr,
    format_money,
    format_percent_fr,
)
from notice_service.errors import ConfigurationError, RenderFailed
from notice_service.ports import Attachment, LetterRequest, RenderedLetter, Renderer

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "letter_templates"
KIND = "formal_notice"
VARIANTS = ("b2b", "b2c")
PREVIEW_BANNER = "APERÇU — NON ENVOYÉ"


def sample_context(variant: str = "b2b", *, debtor_name: str | None = None) -> dict[str, Any]:
    """A complete formal-notice context: every key present, dates as ``date``, amounts as ``Decimal``."""
    business = variant == "b2b"
    return {
        "creditor": {
            "name": "Atelier Durand",
            "legal_form": "SAS",
            "capital": "50 000 €",
            "siren": "552 100 554",
            "rcs_city": "Lyon",
            "vat_number": "FR40552100554",
            "address_lines": ["12 rue de la République", "Bâtiment B"],
            "postal_code": "69002",
            "city": "Lyon",
            "country": "France",
            "email": "compta@atelier-durand.fr",
            "phone": "04 72 00 00 00",
        },
        "debtor": {
            "kind": "business" if business else "consumer",
            "name": debtor_name or ("Boulangerie Martin SARL" if business else "Mme Claire Martin"),
            "siren": "732 829 320" if business else None,
            "address_lines": ["3 place du Marché"],
            "postal_code": "38000",
            "city": "Grenoble",
            "country": "France",
        },
        "notice": {
            "id": "N-2026-000123",
            "reference": "CLI-0042",
            "kind": KIND,
            "place": "Lyon",
            "date": date(2026, 11, 22),
            "as_of": date(2026, 11, 20),
            "deadline_days": 8,
            "deadline_date": None,
            "registered_letter_number": "1A 234 567 8901 2",
            "signatory_name": "Jeanne Durand",
            "signatory_role": "Présidente",
        },
        "invoices": [
            {
                "number": "F-2026-0101",
                "issue_date": date(2026, 8, 1),
                "due_date": date(2026, 8, 31),
                "amount_due": Decimal("1234.56"),
                "paid": Decimal("0.00"),
                "balance": Decimal("1234.56"),
            },
            {
                "number": "F-2026-0142",
                "issue_date": date(2026, 9, 3),
                "due_date": date(2026, 10, 3),
                "amount_due": Decimal("800.00"),
                "paid": Decimal("300.00"),
                "balance": Decimal("500.00"),
            },
        ],
        "statement": {
            "principal": Decimal("2034.56"),
            "interest": Decimal("45.12"),
            "indemnities": Decimal("80.00") if business else Decimal("0.00"),
            "paid": Decimal("300.00"),
            "total": Decimal("1859.68") if business else Decimal("1779.68"),
        },
        "payment": {
            "iban": "FR76 3000 6000 0112 3456 7890 189",
            "bic": "AGRIFRPP",
            "reference": "MED-000123",
        },
        "contact": {
            "name": "Paul Lefèvre",
            "email": "recouvrement@atelier-durand.fr",
            "phone": "04 72 00 00 01",
        },
        "verification": {
            "code": "7K3M9-QX2PA-HT4WZ-B8N6R",
            "url": "https://verif.atelier-durand.fr/v/7K3M9-QX2PA-HT4WZ-B8N6R",
        },
        "development_certificate": False,
    }


def letter_request(variant: str = "b2b", **changes: Any) -> LetterRequest:
    request = LetterRequest(
        kind=KIND,
        variant=variant,
        context=sample_context(variant),
        title=f"Mise en demeure de payer — N-2026-000123 ({variant})",
    )
    return replace(request, **changes)


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with runs of whitespace (including no-break spaces) collapsed to one space."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module", params=["weasyprint"])
def renderer(request: pytest.FixtureRequest) -> Renderer:
    if request.param == "weasyprint":
        return WeasyPrintRenderer(TEMPLATES_DIR)
    raise AssertionError(f"no renderer {request.param}")


@pytest.fixture(scope="module", params=VARIANTS)
def rendered(renderer: Renderer, request: pytest.FixtureRequest) -> tuple[str, RenderedLetter]:
    return request.param, renderer.render(letter_request(request.param))


# ------------------------------------------------------------------------------------ rendering


def test_each_variant_renders_to_pdf(renderer: Renderer, rendered: tuple[str, RenderedLetter]) -> None:
    variant, letter = rendered
    assert letter.pdf.startswith(b"%PDF-")
    assert letter.page_count >= 1
    assert letter.page_count == len(PdfReader(io.BytesIO(letter.pdf)).pages)
    assert letter.template_digest == renderer.template_digest(KIND, variant)


def test_rendered_text_carries_the_letter(rendered: tuple[str, RenderedLetter]) -> None:
    _, letter = rendered
    text = pdf_text(letter.pdf)
    assert "Mise en demeure de payer" in text
    assert "CLI-0042" in text
    assert PREVIEW_BANNER not in text


def test_undefined_variable_is_render_failed_naming_it(renderer: Renderer) -> None:
    context = sample_context()
    del context["contact"]
    with pytest.raises(RenderFailed, match="contact"):
        renderer.render(letter_request(context=context))


def test_missing_nested_key_is_render_failed_naming_it(renderer: Renderer) -> None:
    context = sample_context()
    del context["notice"]["signatory_role"]
    with pytest.raises(RenderFailed, match="signatory_role"):
        renderer.render(letter_request(context=context))


@pytest.mark.parametrize(("kind", "variant"), [("no_such_kind", "b2b"), (KIND, "b2x"), ("../formal_notice", "b2b")])
def test_unknown_template_is_render_failed(renderer: Renderer, kind: str, variant: str) -> None:
    with pytest.raises(RenderFailed):
        renderer.render(letter_request(kind=kind, variant=variant))
    with pytest.raises(RenderFailed):
        renderer.template_digest(kind, variant)


def test_context_values_are_escaped_not_markup(renderer: Renderer) -> None:
    hostile = "<script>alert(1)</script> & <b>Cie</b>"
    letter = renderer.render(letter_request(context=sample_context(debtor_name=hostile)))
    text = pdf_text(letter.pdf)
    assert hostile in text
    assert "&lt;" not in text


def test_preview_is_marked_on_the_page(renderer: Renderer) -> None:
    letter = renderer.render(letter_request(preview=True))
    assert PREVIEW_BANNER in pdf_text(letter.pdf)


def test_attachment_with_unknown_relationship_is_render_failed(renderer: Renderer) -> None:
    bad = Attachment("data.json", b"{}", "application/json", "data", relationship="Because")
    with pytest.raises(RenderFailed, match="AFRelationship"):
        renderer.render(letter_request(attachments=(bad,)))


# ---------------------------------------------------------------------------------------- digest


def test_template_digest_is_stable_and_distinguishes_variants(renderer: Renderer) -> None:
    digests = {variant: renderer.template_digest(KIND, variant) for variant in VARIANTS}
    assert digests == {variant: renderer.template_digest(KIND, variant) for variant in VARIANTS}
    assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest in digests.values())
    assert len(set(digests.values())) == len(VARIANTS)


@pytest.fixture()
def templates_copy(tmp_path: Path) -> Iterator[Path]:
    copy = tmp_path / "somewhere" / "else" / "letter_templates"
    shutil.copytree(TEMPLATES_DIR, copy)
    yield copy


def test_weasyprint_digest_does_not_depend_on_where_the_templates_live(templates_copy: Path) -> None:
    here, there = WeasyPrintRenderer(TEMPLATES_DIR), WeasyPrintRenderer(templates_copy)
    for variant in VARIANTS:
        assert here.template_digest(KIND, variant) == there.template_digest(KIND, variant)


def test_weasyprint_digest_differs_between_kinds(templates_copy: Path) -> None:
    shutil.copytree(templates_copy / KIND, templates_copy / "final_notice")
    renderer = WeasyPrintRenderer(templates_copy)
    assert renderer.template_digest(KIND, "b2b") != renderer.template_digest("final_notice", "b2b")


@pytest.mark.parametrize("changed", ["_base/letter.css", "fonts/DejaVuSans.ttf", f"{KIND}/_mise_en_demeure.html.j2"])
def test_weasyprint_digest_covers_shared_files(templates_copy: Path, changed: str) -> None:
    before = WeasyPrintRenderer(templates_copy).template_digest(KIND, "b2b")
    with (templates_copy / changed).open("ab") as file:
        file.write(b"\n")
    assert WeasyPrintRenderer(templates_copy).template_digest(KIND, "b2b") != before


def test_weasyprint_fonts_dir_may_live_elsewhere(templates_copy: Path, tmp_path: Path) -> None:
    fonts_dir = tmp_path / "fonts"
    shutil.move(templates_copy / "fonts", fonts_dir)
    renderer = WeasyPrintRenderer(templates_copy, fonts_dir=fonts_dir)
    assert renderer.template_digest(KIND, "b2b") == WeasyPrintRenderer(TEMPLATES_DIR).template_digest(KIND, "b2b")
    assert renderer.render(letter_request()).page_count >= 1


# ------------------------------------------------------------------- WeasyPrint: templates, filters


def probe(templates: Path, body: str, **context: object) -> RenderedLetter:
    """Render a one-off ``probe/page`` template (added to a copy of the templates) with ``context``."""
    (templates / "probe").mkdir(exist_ok=True)
    (templates / "probe" / "page.html.j2").write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    request = LetterRequest(kind="probe", variant="page", context=context, title="probe")
    return WeasyPrintRenderer(templates).render(request)


def test_weasyprint_filters_format_in_french(templates_copy: Path) -> None:
    body = "<p>{{ amount | money }} / {{ day | date_fr }} / {{ rate | percent_fr }}</p>"
    letter = probe(templates_copy, body, amount=Decimal("1234.56"), day=date(2026, 11, 22), rate=Decimal("12.15"))
    assert "1 234,56 € / 22 novembre 2026 / 12,15 %" in pdf_text(letter.pdf)


@pytest.mark.parametrize(
    ("format_value", "value", "expected"),
    [
        (format_money, Decimal("1234.56"), "1\u202f234,56\u00a0€"),
        (format_money, Decimal("-40"), "-40,00\u00a0€"),
        (format_date_fr, date(2026, 11, 22), "22 novembre 2026"),
        (format_date_fr, date(2027, 1, 1), "1er janvier 2027"),  # issue 12, finding 14
        (format_percent_fr, Decimal("12.15"), "12,15\u202f%"),
        (format_percent_fr, Decimal("3"), "3,00\u202f%"),
        (format_percent_fr, Decimal("0.5"), "0,50\u202f%"),
    ],
)
def test_weasyprint_filter_values(format_value: Any, value: object, expected: str) -> None:
    assert format_value(value) == expected


@pytest.mark.parametrize(
    ("format_value", "value"),
    [
        (format_money, 12.5),
        (format_date_fr, datetime(2026, 11, 22, tzinfo=UTC)),
        (format_percent_fr, Decimal("12.155")),
    ],
)
def test_weasyprint_filters_refuse_what_they_cannot_print_exactly(format_value: Any, value: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        format_value(value)


@pytest.mark.parametrize(
    ("body", "values", "message"),  # not "context": pytest-playwright's fixture of that name would start a browser
    [
        ("<p>{{ amount | money }}</p>", {"amount": 12.5}, "Decimal"),
        ("<p>TVA : {{ vat }}</p>", {"vat": None}, r"probe/page.html.j2, line 1: .*\{\{ vat \}\}.*None"),
        ("<p>{{ ''.__class__ }}</p>", {}, "unsafe"),
        ('<img src="file:///etc/hostname">', {}, "Error fetching"),
        ('<img src="http://example.invalid/logo.png">', {}, "Error fetching"),
    ],
    ids=["float-money", "prints-none", "sandbox", "file-outside-templates", "network"],
)
def test_weasyprint_template_mistakes_are_render_failed(
    templates_copy: Path, body: str, values: dict[str, object], message: str
) -> None:
    with pytest.raises(RenderFailed, match=message):
        probe(templates_copy, body, **values)


def test_weasyprint_template_syntax_error_fails_at_start(templates_copy: Path) -> None:
    (templates_copy / KIND / "broken.html.j2").write_text("{% if %}", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="broken"):
        WeasyPrintRenderer(templates_copy)
