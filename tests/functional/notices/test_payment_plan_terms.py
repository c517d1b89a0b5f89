"""Payment plans (issue 12 finding 9): a consumer's balance falls due only after a mise en demeure left
unanswered for a reasonable delay; a professional's penalties are suspended while the plan is kept and resume
from the day after a missed instalment; the acceptance carries the sum in words and figures (C. civ. 1376) and,
for a company, the signatory's name and capacity."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.functional.conftest import Api
from tests.functional.notices.test_letters import (  # noqa: F401  (fixtures: SQLite only, the 2026-S2 ECB rate)
    AS_OF,
    database_url,
    open_case,
    pdf_text,
    plan,
    rate_2026_s2,
)

# Totals of open_case at 20 November 2026 (hand computation in test_letters.EXPECTED), in words.
IN_WORDS = {
    "b2b": ("1656.59", "mille six cent cinquante-six euros et cinquante-neuf centimes (1 656,59"),
    "b2c": ("1534.56", "mille cinq cent trente-quatre euros et cinquante-six centimes (1 534,56"),
}


@pytest.mark.parametrize("variant", ["b2b", "b2c"])
def test_payment_plan_terms_and_acceptance(api: Api, variant: str, tmp_path: Path) -> None:
    case_id = open_case(api, variant)
    total, words = IN_WORDS[variant]
    body = {"kind": "payment_plan", "as_of": AS_OF, "installments": plan(total), "issue": True}
    notice = api.post(f"/v1/cases/{case_id}/notices", body)
    assert notice.status_code == 201, notice.json
    assert notice.json["statement"]["total"] == total
    text = pdf_text(api, notice.json["id"], tmp_path).replace("\u202f", " ").replace("\u00a0", " ")
    assert words in text and "art. 1376 C. civ." in text
    if variant == "b2b":
        assert "pénalités de retard de l’article L441-10 du Code de commerce sont suspendues" in text
        assert "à compter du lendemain de l’échéance impayée" in text
        assert "Nom et prénom du signataire" in text and "Qualité (représentant légal ou personne habilitée)" in text
    else:
        assert "sans autre formalité" not in text
        assert "restait sans effet pendant un délai de trente jours à compter de sa réception" in text
        assert "Nom et prénom du signataire" not in text
