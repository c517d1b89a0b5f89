"""The letter kinds on offer and the mandatory mentions each declares (``letter_templates/<kind>/mentions.json``).

``mentions.json`` holds ``{"common": [...], "<variant>": [...]}``; each mention is
``{"id", "label", "legal_basis", "expected": ["text with {placeholders}", ...]}`` and every expected text
must be read on the final PDF.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from notice_service.domain.completeness import Mention

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "letter_templates"
KINDS: dict[str, tuple[str, ...]] = {"formal_notice": ("b2b", "b2c")}


def variant_for(kind: str, debtor_kind: str) -> str:
    return "b2b" if debtor_kind == "business" else "b2c"


@cache
def mentions_for(kind: str, variant: str, templates_dir: Path = TEMPLATES_DIR) -> tuple[Mention, ...]:
    raw = json.loads((templates_dir / kind / "mentions.json").read_text(encoding="utf-8"))
    return tuple(
        Mention(id=m["id"], label=m["label"], legal_basis=m["legal_basis"], expected=tuple(m["expected"]))
        for m in [*raw.get("common", []), *raw.get(variant, [])]
    )
