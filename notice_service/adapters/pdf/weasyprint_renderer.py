"""The ``Renderer`` port on Jinja2 and WeasyPrint: letter templates to PDF/A-3b.

Owns the snapshot of ``letter_templates/`` (templates, stylesheets, bundled fonts) taken once at
construction, the sandboxed Jinja2 environment over it with the French formatting filters
(``money``, ``date_fr``, ``percent_fr``), the PDF/A-3b output with its associated files, and the
template digest. Every library failure leaves this module as ``RenderFailed`` (per letter) or
``ConfigurationError`` (at start).

Layout of the templates folder::

    _base/base.html.j2, _base/letter.css   shared frame and print stylesheet
    fonts/fonts.css + font files           @font-face rules, URLs relative to fonts.css
    <kind>/<variant>.html.j2               one entry point per letter variant;
    <kind>/_*.html.j2                      partials shared by the kind's variants
    <kind>/mentions.json                   mandatory mentions (read by notice_service.letter_catalogue)

Everything under ``<kind>/``, ``_base/`` and ``fonts/`` enters that kind's template digest.

A renderer keeps one WeasyPrint font configuration; renders on one instance are serialised by a
lock, so run one renderer per process (or thread) to render in parallel.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
import segno
import weasyprint
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from notice_service.domain.french_format import date_fr, money_fr, percent_fr, typography_html
from notice_service.errors import ConfigurationError, RenderFailed
from notice_service.ports import Attachment, LetterRequest, RenderedLetter

PDF_VARIANT = "pdf/a-3b"
# Declared by ``@color-profile`` in _base/letter.css. Naming our own profile also keeps WeasyPrint 70
# off its built-in "srgb" intent, which leaves the ICC file open (a ResourceWarning per render).
OUTPUT_INTENT = "--letter-srgb"
TEMPLATE_SUFFIX = ".html.j2"
SHARED_FOLDERS = ("_base", "fonts")
LETTER_STYLESHEET = "_base/letter.css"
FONTS_STYLESHEET = "fonts.css"
RESERVED_CONTEXT_KEY = "rendering"
# ISO 19005-3, table E.1 (PDF/A-3 associated files).
AF_RELATIONSHIPS = frozenset({"Source", "Data", "Alternative", "Supplement", "Unspecified"})

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
_MIME_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*\Z", re.IGNORECASE)
_DIGEST_DOMAIN = b"notice-service/template-digest/v1\n"


# ---------------------------------------------------------------------------------- filters


# The strings come from notice_service.domain.french_format, which the completeness check uses too, so
# what a letter prints is exactly what the check expects to read. The filters add the type checks: a
# float amount or a datetime in a letter is a bug upstream, never something to print.


def format_money(amount: Decimal) -> str:
    """``Decimal('1234.56')`` → ``1 234,56 €`` (Babel, fr_FR; narrow no-break space between groups)."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money expects a Decimal, got {type(amount).__name__}")
    return money_fr(amount)


def format_date_fr(value: dt.date) -> str:
    """``date(2026, 11, 22)`` → ``22 novembre 2026`` (Babel long format, fr_FR)."""
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise TypeError(f"date_fr expects a date, got {type(value).__name__}")
    return date_fr(value)


def format_percent_fr(rate: Decimal) -> str:
    """A rate in percent, ``Decimal('12.15')`` → ``12,15 %``; more than two decimals is refused, not rounded."""
    if not isinstance(rate, Decimal):
        raise TypeError(f"percent_fr expects a Decimal, got {type(rate).__name__}")
    if rate != rate.quantize(Decimal("0.01")):
        raise ValueError(f"percent_fr prints two decimals, {rate} would be rounded")
    return percent_fr(rate)


def qr_svg(text: str) -> Markup:
    """``text`` as a QR code (error correction M), inline SVG for WeasyPrint to draw as vectors; the quiet
    zone of four modules is part of the image. The letter's ``verification.url`` is printed with it."""
    if not isinstance(text, str) or not text:
        raise TypeError(f"qr_svg expects a non-empty string, got {type(text).__name__}")
    svg = segno.make_qr(text, error="m").svg_inline(border=4, omitsize=True, dark="#000", svgclass="qr")
    return Markup(svg)  # noqa: S704  # segno writes only modules as path data: nothing of ``text`` is inlined


def _refuse_none(value: object) -> object:
    """Jinja ``finalize``: printing ``None`` is a template bug ("TVA : None"), not a letter."""
    if value is None:
        raise jinja2.TemplateRuntimeError("a template prints None; guard optional values with {% if %}")
    return value


# -------------------------------------------------------------------------------- snapshot


def _read_tree(root: Path, prefix: str) -> dict[str, bytes]:
    """Every non-hidden file under ``root``, keyed ``prefix`` + POSIX path relative to ``root``."""
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            files[prefix + relative.as_posix()] = path.read_bytes()
    return files


def _snapshot(templates_dir: Path, fonts_dir: Path) -> dict[str, bytes]:
    """The templates folder and the fonts folder (always keyed ``fonts/…``), read once."""
    for folder in (templates_dir, fonts_dir, templates_dir / "_base"):
        if not folder.is_dir():
            raise ConfigurationError(f"letter templates: {folder} is not a directory")
    files = {key: data for key, data in _read_tree(templates_dir, "").items() if not key.startswith("fonts/")}
    files.update(_read_tree(fonts_dir, "fonts/"))
    for required in (LETTER_STYLESHEET, f"fonts/{FONTS_STYLESHEET}"):
        if required not in files:
            raise ConfigurationError(f"letter templates: {required} is missing")
    return files


def _build_environment(files: Mapping[str, bytes]) -> SandboxedEnvironment:
    """A sandboxed, autoescaping, strict environment over the snapshot, every template compiled."""
    sources = {name: data.decode("utf-8") for name, data in files.items() if name.endswith(".j2")}

    def load(name: str) -> tuple[str, str, Callable[[], bool]] | None:
        # The template's name doubles as its file name, so tracebacks (and _template_location) name it.
        return (sources[name], name, lambda: True) if name in sources else None

    environment = SandboxedEnvironment(
        loader=jinja2.FunctionLoader(load),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_refuse_none,
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
        cache_size=-1,
    )
    environment.filters.update(money=format_money, date_fr=format_date_fr, percent_fr=format_percent_fr)
    environment.filters["qr_svg"] = qr_svg
    for name in sources:
        try:
            environment.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigurationError(f"letter template {name}, line {exc.lineno}: {exc.message}") from exc
    return environment


class _LetterFilesFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
    """WeasyPrint's URL fetcher restricted to files under the templates and fonts folders.

    A context value that ends up in a ``src`` or ``url()`` can neither reach the network nor read
    another local file into the letter; any refused or missing resource fails the render.
    """

    def __init__(self, *roots: Path) -> None:
        super().__init__(allowed_protocols={"file"}, fail_on_errors=True)
        self._roots = roots

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
        parts = urlsplit(url)
        path = Path(unquote(parts.path)).resolve()
        if parts.scheme != "file" or not any(path.is_relative_to(root) for root in self._roots):
            raise ValueError(f"letters may only use files of the letter templates, not {url}")
        return super().fetch(url, headers)


def _template_location(exc: BaseException, sources: Mapping[str, bytes]) -> str:
    """``file, line N: `source line``` of the innermost template frame of ``exc``'s traceback."""
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename in sources]
    if not frames or frames[-1].lineno is None:
        return "template"
    name, number = frames[-1].filename, frames[-1].lineno
    line = sources[name].decode("utf-8").splitlines()[number - 1].strip()
    return f"{name}, line {number}: `{line}`"


def _template_name(kind: str, variant: str) -> str:
    if not (_NAME.match(kind) and _NAME.match(variant)):
        raise RenderFailed(f"invalid letter kind/variant {kind!r}/{variant!r}")
    return f"{kind}/{variant}{TEMPLATE_SUFFIX}"


# -------------------------------------------------------------------------------- renderer


class WeasyPrintRenderer:
    """Renders letters from ``templates_dir`` to PDF/A-3b; fonts come from ``fonts_dir``
    (default ``templates_dir / "fonts"``) and never from the machine."""

    def __init__(self, templates_dir: Path, *, fonts_dir: Path | None = None) -> None:
        templates_dir = templates_dir.resolve()
        fonts_dir = (fonts_dir or templates_dir / "fonts").resolve()
        self._files = _snapshot(templates_dir, fonts_dir)
        self._environment = _build_environment(self._files)
        self._base_url = templates_dir.as_uri() + "/"
        self._url_fetcher = _LetterFilesFetcher(templates_dir, fonts_dir)
        self._attachment_fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
        self._font_config = FontConfiguration()
        self._color_profiles: dict[str, Any] = {}
        self._stylesheets = [
            self._stylesheet(f"fonts/{FONTS_STYLESHEET}", fonts_dir.as_uri() + "/"),
            self._stylesheet(LETTER_STYLESHEET, self._base_url + "_base/"),
        ]
        if OUTPUT_INTENT not in self._color_profiles:
            raise ConfigurationError(f"{LETTER_STYLESHEET} must declare @color-profile {OUTPUT_INTENT}")
        self._digests: dict[str, str] = {}
        self._lock = threading.Lock()

    def _stylesheet(self, key: str, base_url: str) -> Any:
        try:
            return weasyprint.CSS(
                string=self._files[key].decode("utf-8"),
                base_url=base_url,
                url_fetcher=self._url_fetcher,
                font_config=self._font_config,
                color_profiles=self._color_profiles,
            )
        except (Exception, FatalURLFetchingError) as exc:
            raise ConfigurationError(f"letter stylesheet {key} cannot be loaded: {exc}") from exc

    def render(self, request: LetterRequest) -> RenderedLetter:
        name = _template_name(request.kind, request.variant)
        html = self._render_html(name, request)
        attachments = _weasyprint_attachments(request.attachments, self._attachment_fetcher)
        with self._lock:
            pdf, page_count = self._write_pdf(html, request, attachments)
        return RenderedLetter(
            pdf=pdf,
            template_digest=self.template_digest(request.kind, request.variant),
            page_count=page_count,
        )

    def template_digest(self, kind: str, variant: str) -> str:
        """SHA-256 over the entry point's name, then, sorted by path, each file of ``<kind>/``,
        ``_base/`` and ``fonts/`` as ``path NUL size NUL bytes``; hidden files are not part of it."""
        name = _template_name(kind, variant)
        if name not in self._files:
            raise RenderFailed(f"unknown letter template {kind}/{variant}")
        if name not in self._digests:
            self._digests[name] = self._compute_digest(name, (f"{kind}/", *(f"{s}/" for s in SHARED_FOLDERS)))
        return self._digests[name]

    def _compute_digest(self, entry_point: str, prefixes: tuple[str, ...]) -> str:
        digest = hashlib.sha256(_DIGEST_DOMAIN + entry_point.encode() + b"\n")
        for path in sorted(key for key in self._files if key.startswith(prefixes)):
            data = self._files[path]
            digest.update(b"%s\0%d\0" % (path.encode(), len(data)))
            digest.update(data)
        return digest.hexdigest()

    def _render_html(self, name: str, request: LetterRequest) -> str:
        if RESERVED_CONTEXT_KEY in request.context:
            raise RenderFailed(f"the letter context may not define {RESERVED_CONTEXT_KEY!r}")
        rendering = {"title": request.title, "language": request.language, "preview": request.preview}
        try:
            template = self._environment.get_template(name)
            html = template.render({**request.context, RESERVED_CONTEXT_KEY: rendering})
            return typography_html(html) if request.language.startswith("fr") else html
        except jinja2.TemplateNotFound as exc:
            raise RenderFailed(f"unknown letter template {request.kind}/{request.variant}") from exc
        except jinja2.UndefinedError as exc:
            where = _template_location(exc, self._files)
            raise RenderFailed(f"undefined variable in {where}: {exc.message}") from exc
        except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError) as exc:
            raise RenderFailed(f"letter template failed in {_template_location(exc, self._files)}: {exc}") from exc

    def _write_pdf(self, html: str, request: LetterRequest, attachments: list[Any]) -> tuple[bytes, int]:
        try:
            document = weasyprint.HTML(string=html, base_url=self._base_url, url_fetcher=self._url_fetcher).render(
                font_config=self._font_config,
                color_profiles=self._color_profiles,
                stylesheets=self._stylesheets,
                pdf_variant=PDF_VARIANT,
                output_intent=OUTPUT_INTENT,
            )
            document.metadata.title = request.title
            document.metadata.lang = request.language
            pdf = document.write_pdf(pdf_variant=PDF_VARIANT, output_intent=OUTPUT_INTENT, attachments=attachments)
        except (Exception, FatalURLFetchingError) as exc:
            raise RenderFailed(f"WeasyPrint could not render {request.kind}/{request.variant}: {exc}") from exc
        return bytes(pdf), len(document.pages)


def _weasyprint_attachments(attachments: Sequence[Attachment], url_fetcher: Any) -> list[Any]:
    """Our attachments as WeasyPrint's, sorted by file name (PDF name trees are sorted).

    The bytes travel as a ``data:`` URL so that WeasyPrint records the declared MIME type as the
    embedded file's ``/Subtype`` instead of guessing it from the file name.
    """
    names = [attachment.filename for attachment in attachments]
    if len(set(names)) != len(names):
        raise RenderFailed(f"attachment file names must be unique: {sorted(names)}")
    now = dt.datetime.now(dt.UTC)
    return [
        _weasyprint_attachment(attachment, now, url_fetcher) for attachment in sorted(attachments, key=_by_filename)
    ]


def _by_filename(attachment: Attachment) -> str:
    return attachment.filename


def _weasyprint_attachment(attachment: Attachment, now: dt.datetime, url_fetcher: Any) -> Any:
    if not attachment.filename:
        raise RenderFailed("an attachment needs a file name")
    if attachment.relationship not in AF_RELATIONSHIPS:
        raise RenderFailed(
            f"attachment {attachment.filename}: AFRelationship {attachment.relationship!r} "
            f"is not one of {sorted(AF_RELATIONSHIPS)}"
        )
    if not _MIME_TYPE.match(attachment.mime_type):
        raise RenderFailed(f"attachment {attachment.filename}: invalid MIME type {attachment.mime_type!r}")
    url = f"data:{attachment.mime_type};base64,{base64.b64encode(attachment.data).decode('ascii')}"
    return weasyprint.Attachment(
        url=url,
        url_fetcher=url_fetcher,
        name=attachment.filename,
        description=attachment.description,
        created=now,
        modified=now,
        relationship=attachment.relationship,
    )
