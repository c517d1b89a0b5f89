"""The letter kinds on offer, their variants and titles, and the mandatory mentions each declares.

Kinds, in the order a case escalates: ``pre_reminder`` (before the due date), ``reminder``,
``second_reminder``, ``formal_notice`` (mise en demeure) and ``payment_plan`` (an échéancier the debtor can
accept). Each has a ``b2b`` and a ``b2c`` variant (the debtor's kind); the mise en demeure also has
``agency_b2b`` and ``agency_b2c``, sent by a tenant whose profile says ``"collection_agency": true``
(CPCE R124-4: the collector's and the principal creditor's identities, the reproduction of L111-8).

Mentions: every letter must carry ``letter_templates/_base/mentions.json`` (what every letter carries), then
``letter_templates/<kind>/mentions.json``. Each file holds groups ``{"common": [...], "<group>": [...]}``; a
variant's groups are ``common`` and the parts of its name split on ``_`` (``agency_b2b`` → ``agency`` and
``b2b``). Each mention is ``{"id", "label", "legal_basis", "expected": ["text with {placeholders}", ...]}`` and
every expected text must be read on the final PDF.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from notice_service.domain.completeness import Mention

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "letter_templates"
AGENCY_PREFIX = "agency_"
KINDS: dict[str, tuple[str, ...]] = {
    "pre_reminder": ("b2b", "b2c"),
    "reminder": ("b2b", "b2c"),
    "second_reminder": ("b2b", "b2c"),
    "formal_notice": ("b2b", "b2c", "agency_b2b", "agency_b2c"),
    "payment_plan": ("b2b", "b2c"),
}
TITLES = {
    "pre_reminder": "Rappel d’échéance",
    "reminder": "Relance de paiement",
    "second_reminder": "Deuxième relance",
    "formal_notice": "Mise en demeure de payer",
    "payment_plan": "Proposition d’échéancier",
}
#: The options each kind accepts (besides ``as_of``); validated by ``use_cases.draft_notice``.
OPTIONS: dict[str, frozenset[str]] = {
    "pre_reminder": frozenset({"tone"}),
    "reminder": frozenset({"tone"}),
    "second_reminder": frozenset({"tone"}),
    "formal_notice": frozenset({"deadline_days", "principal_creditor"}),
    "payment_plan": frozenset({"installments"}),
}
TONES = ("courteous", "firm")


def variant_for(kind: str, debtor_kind: str, *, collection_agency: bool = False) -> str:
    """``b2b``/``b2c`` from the debtor's kind, prefixed ``agency_`` when an agency sends a mise en demeure."""
    base = "b2b" if debtor_kind == "business" else "b2c"
    if collection_agency and f"{AGENCY_PREFIX}{base}" in KINDS.get(kind, ()):
        return f"{AGENCY_PREFIX}{base}"
    return base


def _mentions(raw: dict[str, Any], groups: list[str]) -> list[Mention]:
    return [
        Mention(id=m["id"], label=m["label"], legal_basis=m["legal_basis"], expected=tuple(m["expected"]))
        for group in groups
        for m in raw.get(group, [])
    ]


@cache
def mentions_for(kind: str, variant: str, templates_dir: Path = TEMPLATES_DIR) -> tuple[Mention, ...]:
    """The letter-wide mentions, then the kind's ``common`` group and the variant's groups."""
    groups = ["common", *variant.split("_")]
    shared = json.loads((templates_dir / "_base" / "mentions.json").read_text(encoding="utf-8"))
    own = json.loads((templates_dir / kind / "mentions.json").read_text(encoding="utf-8"))
    return (*_mentions(shared, groups), *_mentions(own, groups))
