"""Checking a letter's mandatory mentions on the text extracted from its final PDF.

Each letter kind declares its mentions (what must be read, and the article that requires it). Expected
texts may hold ``{placeholders}`` filled from the letter's own data (the debtor's name, the SIREN, the total
as printed), so the check proves the letter carries *this* case's facts, not just boilerplate. Matching
ignores case and folds every kind of white space (PDF text extraction and French typography use no-break
and narrow no-break spaces).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Mention:
    id: str
    label: str
    legal_basis: str
    expected: tuple[str, ...]


@dataclass(frozen=True)
class MissingMention:
    id: str
    label: str
    legal_basis: str
    expected: str


@dataclass(frozen=True)
class CompletenessResult:
    checked: tuple[str, ...]
    missing: tuple[MissingMention, ...]

    @property
    def complete(self) -> bool:
        return not self.missing


def fold(text: str) -> str:
    """Lower-case, every run of white space (incl. U+00A0, U+202F) becomes one space, hyphenation undone."""
    text = text.replace("\u00ad", "").replace("\u2019", "'")
    return _SPACES.sub(" ", text).strip().lower()


def fill(template: str, values: Mapping[str, str]) -> str | None:
    """Fill ``{name}`` placeholders; ``None`` when a value is missing or empty (the mention can't be met)."""
    names = [field for _, field, _, _ in string.Formatter().parse(template) if field]
    if any(not values.get(name) for name in names):
        return None
    return template.format_map(values)


def check_mentions(text: str, mentions: Sequence[Mention], values: Mapping[str, str]) -> CompletenessResult:
    folded = fold(text)
    missing = []
    for mention in mentions:
        for expected in mention.expected:
            filled = fill(expected, values)
            if filled is None or fold(filled) not in folded:
                missing.append(MissingMention(mention.id, mention.label, mention.legal_basis, filled or expected))
                break
    return CompletenessResult(checked=tuple(m.id for m in mentions), missing=tuple(missing))
