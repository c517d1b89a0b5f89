"""The exhibits (pièces) of an evidence dossier: their order, numbers and file names, as the bordereau lists them.

CPC 1407 asks the requête en injonction de payer to come with the *bordereau des documents justificatifs*;
practice numbers the pièces 1, 2 … and the file of each starts with its number (``pieces/01-facture-f-1.pdf``)
so that the list, the files and the merged reading copy agree. Numbering follows the order given by the caller
(invoices, then each notice followed by the proofs of its deliveries), which is the order a judge reads.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

PIECES_DIR = "pieces"
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 60


@dataclass(frozen=True)
class ExhibitSource:
    """One document to number: where its bytes are (a store key, or ``None`` for generated content), its
    French title and date for the bordereau, and the audit record that names its SHA-256 (index and role)."""

    kind: str
    title: str
    day: date | None
    extension: str
    media_type: str
    slug: str
    store_key: str | None = None
    content: bytes | None = None
    audit_index: int | None = None
    audit_role: str | None = None


@dataclass(frozen=True)
class Exhibit:
    number: int
    path: str
    source: ExhibitSource


def slugify(text: str) -> str:
    """ASCII, lower case, words joined by ``-``: ``Facture n° F-2026/42`` → ``facture-n-f-2026-42``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    return slug[:MAX_SLUG].rstrip("-") or "piece"


def number_exhibits(sources: Sequence[ExhibitSource]) -> list[Exhibit]:
    """Pièce n° 1, 2 … in the given order; file names ``pieces/NN-<slug>.<ext>``, NN at least two digits."""
    width = max(2, len(str(len(sources))))
    return [
        Exhibit(number, f"{PIECES_DIR}/{number:0{width}d}-{slugify(source.slug)}.{source.extension}", source)
        for number, source in enumerate(sources, start=1)
    ]


def exhibit_number_prefix(number: int, count: int) -> str:
    """The prefix every file name of pièce ``number`` starts with, among ``count`` pièces."""
    width = max(2, len(str(count)))
    return f"{PIECES_DIR}/{number:0{width}d}-"
