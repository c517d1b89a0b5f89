"""The dossier's reading copy: PDFs merged in order, one bookmark per part."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class MergePart:
    """One bookmarked part of the merged reading copy; ``load`` reads its PDF bytes when the merger needs them."""

    title: str
    load: Callable[[], bytes]


class PdfMerger(Protocol):
    def merge(self, parts: Sequence[MergePart]) -> bytes:
        """One PDF: the parts in order, each with a top-level bookmark (outline item) holding its title."""
        ...
