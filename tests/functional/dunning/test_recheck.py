"""The re-check just before a run item's letter goes out (``item_steps.recheck``, one query): what changed on the
case between the proposal and the approval skips the item with its reason, in a fixed order (closed, paid,
payment received, disputed, paused, step taken); nothing changed, the letter is issued. On SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from notice_service.db.models.cases import Case
from notice_service.worker import run_until_idle
from tests.functional.dunning.support import Desk

DUE = date(2026, 3, 7)
CREDIT = {"number": "AV-1", "issued_on": "2026-03-09", "amount": "100.00", "reason": "remise commerciale"}
DISPUTE = {"raised_on": "2026-03-09", "summary": "Le débiteur conteste la livraison."}
PAUSE = {"until": "2026-03-20", "reason": "negotiation"}

# each change, made by the desk between the proposal and the approval, as (path under the invoice or case, body)
CHANGES: dict[str, tuple[list[tuple[str, str, dict[str, Any]]], str | None]] = {
    "nothing": ([], None),
    "credit note": ([("invoice", "credit-notes", CREDIT)], "payment received since the proposal"),
    "dispute": ([("case", "disputes", DISPUTE)], "disputed: a dispute was recorded on the case"),
    "manual pause": ([("case", "pauses", PAUSE)], "paused (manual) until 2026-03-20"),
    "case closed": ([("case", "close", {"reason": "settled"})], "case closed (settled) since the proposal"),
    "dispute and credit note": (
        [("case", "disputes", DISPUTE), ("invoice", "credit-notes", CREDIT)],
        "payment received since the proposal",  # the balance changed: that reason comes before the dispute
    ),
    "pause and dispute": ([("case", "pauses", PAUSE), ("case", "disputes", DISPUTE)], "disputed: a dispute"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_what_changed_since_the_proposal_skips_the_item_with_its_reason(desk: Desk, change: str) -> None:
    step = {"offset_days": 1, "action": "reminder", "channel": "letter", "mode": "manual"}
    desk.ok(desk.api.post("/v1/plans", {"name": "Manuel", "steps": [step], "default": True}), 201)
    invoice = desk.invoice(desk.debtor(), "F-R", DUE)
    [item] = desk.day(date(2026, 3, 9), approve=False)
    assert (item["action"], item["state"]) == ("reminder", "proposed")
    with desk.services.db.reading() as session:
        case_id = str(session.execute(select(Case.id).where(Case.tenant_id == desk.tenant_id)).scalar_one())
    run_id = desk.ok(desk.api.get("/v1/runs"))["data"][0]["id"]
    writes, reason = CHANGES[change]
    for owner, path, body in writes:
        base = f"/v1/invoices/{invoice}" if owner == "invoice" else f"/v1/cases/{case_id}"
        response = desk.api.post(f"{base}/{path}", body)
        assert response.status_code in (200, 201), response.json

    desk.ok(desk.api.post(f"/v1/runs/{run_id}/approve", {"item_ids": [item["id"]]}))
    run_until_idle(desk.services)

    [after] = desk.ok(desk.api.get(f"/v1/runs/{run_id}/items"))["data"]
    if reason is None:
        assert after["state"] == "issued" and desk.notices_issued() == 1
    else:
        assert after["state"] == "skipped" and after["reason"].startswith(reason), after
        assert desk.notices_issued() == 0
