"""A décompte after a payment plan, through the API (issue 12 gap, item 6; ``domain/plan_suspension.py``): a
B2B plan issued on 20 November 2026, its first instalment paid on its date; a reminder of 10 January 2027 claims
no penalty after 20 November (the plan is kept); after the second instalment is missed (15 January), the reminder
and the dossier of 28 February claim penalties again from 16 January, on the balance, and nothing in between."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from notice_service.adapters.system_clock import FixedClock
from notice_service.services import Services
from notice_service.use_cases.official_rates import RateInput, add_rate
from tests.functional.conftest import Api
from tests.functional.notices.test_formal_notice_flow import open_case

PLAN_DAY = "2026-11-20"  # the fixed clock's today


def _rates(services: Services) -> None:
    """Test values (not the real ones): the ECB rate of 1 July 2026, its history checked through March 2027."""
    add_rate(
        services,
        RateInput(
            kind="ecb", effective=date(2026, 7, 1), rate=Decimal("2.15"), confirmed_until=date(2027, 3, 31), source="t"
        ),
    )


def _move_to(services: Services, day: date) -> None:
    assert isinstance(services.clock, FixedClock)
    services.clock.advance(timedelta(days=(day - services.clock.now().date()).days))


def _draft(api: Api, case_id: str, kind: str, as_of: str, **options: Any) -> dict[str, Any]:
    answer = api.post(f"/v1/cases/{case_id}/notices", {"kind": kind, "as_of": as_of, **options})
    assert answer.status_code == 201, answer.json
    return dict(answer.json)


def _periods(notice: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["from"], p["to"]) for line in notice["statement"]["invoices"] for p in line["periods"]]


def test_a_kept_plan_suspends_penalties_and_a_missed_instalment_restarts_them(api: Api, services: Services) -> None:
    _rates(services)
    ids = open_case(api, with_pdf=True)
    case_id, invoice_id = str(ids["case_id"]), str(ids["invoice_id"])
    at_plan = _draft(api, case_id, "reminder", PLAN_DAY)["statement"]
    total = Decimal(at_plan["total"])
    first = (total / 2).quantize(Decimal("0.01"))
    installments = [
        {"due_date": "2026-12-15", "amount": str(first)},
        {"due_date": "2027-01-15", "amount": str(total - first)},
    ]
    plan = _draft(api, case_id, "payment_plan", PLAN_DAY, installments=installments)
    assert api.post(f"/v1/notices/{plan['id']}/issue").status_code == 200

    _move_to(services, date(2027, 1, 10))
    paid = api.post(f"/v1/invoices/{invoice_id}/payments", {"amount": str(first), "paid_on": "2026-12-15"})
    assert paid.status_code == 201, paid.json
    kept = _draft(api, case_id, "reminder", "2027-01-10")
    assert max(end for _, end in _periods(kept)) == PLAN_DAY
    assert kept["statement"]["interest"] == at_plan["interest"]
    assert kept["statement"]["total"] == str(total - first)  # exactly what the plan still schedules

    _move_to(services, date(2027, 2, 28))
    lapsed = _draft(api, case_id, "reminder", "2027-02-28")
    after = [(start, end) for start, end in _periods(lapsed) if start > PLAN_DAY]
    assert after[0][0] == "2027-01-16" and after[-1][1] == "2027-02-28"  # the day after the missed instalment
    assert not any(start <= "2027-01-15" and end > PLAN_DAY for start, end in _periods(lapsed))
    assert Decimal(lapsed["statement"]["interest"]) > Decimal(at_plan["interest"])

    dossier = api.post(f"/v1/cases/{case_id}/dossiers", {})  # the requête's décompte, computed the same way
    assert dossier.status_code == 201, dossier.json
    archive = zipfile.ZipFile(io.BytesIO(api.get(dossier.json["archive_url"]).data))
    rows = list(csv.reader(io.StringIO(archive.read("decompte.csv").decode("utf-8")), delimiter=";"))
    total_row = dict(zip(rows[0], rows[-1], strict=True))
    assert (total_row["interest"], total_row["montant"]) == (
        lapsed["statement"]["interest"],
        lapsed["statement"]["total"],
    )
    assert [(r[rows[0].index("du")], r[rows[0].index("au")]) for r in rows if r[0] == "periode"] == _periods(lapsed)
