"""Letters: the renderer (template and data to PDF/A) and the text extractor the completeness check reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Attachment:
    """A file embedded in the PDF/A-3 output (``AFRelationship`` Data or Source)."""

    filename: str
    data: bytes
    mime_type: str
    description: str
    relationship: str = "Data"


@dataclass(frozen=True)
class LetterRequest:
    """Everything needed to render one letter: template kind/variant and the frozen context."""

    kind: str
    variant: str
    context: Mapping[str, object]
    title: str
    attachments: Sequence[Attachment] = ()
    language: str = "fr"
    preview: bool = False


@dataclass(frozen=True)
class RenderedLetter:
    pdf: bytes
    template_digest: str
    page_count: int


class Renderer(Protocol):
    """Turns a ``LetterRequest`` into PDF/A-3b bytes with embedded fonts and attachments."""

    def render(self, request: LetterRequest) -> RenderedLetter: ...

    def template_digest(self, kind: str, variant: str) -> str:
        """SHA-256 over the template folder's files (names and bytes), stable across machines."""
        ...


class PdfTextExtractor(Protocol):
    """The text a reader sees in a PDF, used to check mandatory mentions on the final bytes."""

    def extract_text(self, pdf: bytes) -> str: ...
