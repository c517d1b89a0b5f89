"""Bad input on plans and runs answers problem+json naming the field, and changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.dunning import DunningPlan, DunningRun, RunItem
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.conftest import CREDITOR_PROFILE, Api
from tests.functional.dunning.support import Desk

STEP = {"offset_days": 1, "action": "reminder", "channel": "letter", "mode": "manual"}
BAD_PLANS: list[tuple[Any, str]] = [
    ({"name": "x", "steps": [{**STEP, "action": "fax"}]}, "steps.0.action"),
    ({"name": "x", "steps": [{**STEP, "offset_days": 400}]}, "steps.0.offset_days"),
    ({"name": "x", "steps": [{**STEP, "offset_days": -61}]}, "steps.0.offset_days"),
    ({"name": "x", "steps": [{**STEP, "offset_days": "1"}]}, "steps.0.offset_days"),
    ({"name": "x", "steps": []}, "steps"),
    ({"name": "x"}, "steps"),
    ({"name": "x", "steps": [{**STEP, "channel": "pigeon"}]}, "steps.0.channel"),
    ({"name": "x", "steps": [{**STEP, "channel": "sms"}]}, "steps.0.channel"),  # a reminder is a letter
    ({"name": "x", "steps": [{**STEP, "mode": "maybe"}]}, "steps.0.mode"),
    ({"name": "x", "steps": [{**STEP, "colour": "red"}]}, "steps.0.colour"),
    ({"name": "x", "steps": [STEP], "owner": "me"}, "owner"),
    ({"name": "", "steps": [STEP]}, "name"),
    ({"name": "x", "steps": [STEP, {**STEP, "offset_days": 1, "action": "second_reminder"}]}, "steps.1.offset_days"),
    ({"name": "x", "steps": [{**STEP, "offset_days": -3}]}, "steps.0.offset_days"),  # a reminder before due
    ({"name": "x", "steps": [{**STEP, "anchor": "previous"}]}, "steps.0.anchor"),
    ({"name": "x", "steps": [{**STEP, "deadline_days": 8}]}, "steps.0.deadline_days"),
    ([STEP], "body"),
]


def _counts(desk: Desk) -> tuple[int, ...]:
    with desk.services.db.reading() as session:
        return tuple(
            int(session.execute(select(func.count()).select_from(model)).scalar_one())
            for model in (DunningPlan, DunningRun, RunItem, AuditRecord)
        )


def _problem(response: Any, field: str, status: int = 422) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    if field:
        assert field in [error["field"] for error in response.json["errors"]], response.json


def test_bad_plans_are_refused_and_nothing_is_saved(desk: Desk) -> None:
    plans = desk.ok(desk.api.get("/v1/plans"))["data"]
    assert [p["name"] for p in plans] == ["Plan par défaut"] and plans[0]["default"]
    assert [s["action"] for s in plans[0]["steps"]][-1] == "injonction_proposal"
    before = _counts(desk)
    for body, field in BAD_PLANS:
        _problem(desk.api.post("/v1/plans", body), field)
        _problem(desk.client_put(f"/v1/plans/{plans[0]['id']}", body), field)
    assert _counts(desk) == before
    assert desk.ok(desk.api.get(f"/v1/plans/{plans[0]['id']}"))["version"] == 1
    _problem(desk.api.get("/v1/plans/00000000-0000-0000-0000-000000000000"), "", 404)
    _problem(desk.client_put("/v1/dunning/settings", {"run_at": "25:00"}), "run_at")
    _problem(desk.client_put("/v1/dunning/settings", {"min_interval_days": -1}), "min_interval_days")
    _problem(desk.client_put("/v1/dunning/settings", {"default_plan_id": "nope"}), "default_plan_id")
    debtor = desk.debtor()
    _problem(desk.client_put(f"/v1/debtors/{debtor}/plan", {"plan_id": "nope"}), "plan_id")
    _problem(desk.client_put(f"/v1/debtors/{debtor}/plan", {}), "plan_id")
    assert _counts(desk)[:3] == before[:3]


def test_a_plan_change_is_a_new_version(desk: Desk) -> None:
    plan = desk.ok(desk.api.post("/v1/plans", {"name": "B2C", "steps": [STEP]}), 201)
    changed = {"name": "B2C", "steps": [{**STEP, "offset_days": 3}]}
    assert desk.ok(desk.client_put(f"/v1/plans/{plan['id']}", changed))["version"] == 2
    assert desk.ok(desk.client_put(f"/v1/plans/{plan['id']}", changed))["version"] == 2  # same steps: same version
    debtor = desk.debtor()
    assert desk.ok(desk.client_put(f"/v1/debtors/{debtor}/plan", {"plan_id": plan["id"]})) == {
        "debtor_id": debtor, "plan_id": plan["id"], "own": True,
    }  # fmt: skip


@pytest.fixture
def stranger(desk: Desk) -> Api:
    created = create_tenant(desk.services, name="Autre Société", siren="552100554", profile=CREDITOR_PROFILE)
    return Api(desk.api.client, created.api_key)


def test_bad_runs_and_decisions_change_nothing(desk: Desk, stranger: Api) -> None:
    desk.ok(desk.api.post("/v1/plans", {"name": "Manuel", "steps": [STEP], "default": True}), 201)
    for number in ("F-1", "F-2"):
        desk.invoice(desk.debtor(), number, date(2026, 3, 2))
    for body, field in [
        ({"as_of": "2026-13-01"}, "as_of"), ({"as_of": "2026-02-24"}, "as_of"), ({}, "as_of"),
        ({"as_of": "2026-02-23", "dry": True}, "dry"), ({"as_of": 20260223}, "as_of"),
    ]:  # fmt: skip
        _problem(desk.api.post("/v1/runs", body), field)
    desk.set_day(date(2026, 3, 5))
    first = desk.ok(desk.api.post("/v1/runs", {"as_of": "2026-03-05"}), 201)
    other = desk.ok(stranger.post("/v1/runs", {"as_of": "2026-03-05"}), 201)
    desk.day(date(2026, 3, 5), approve=False)  # a second run: the steps are pending in the first, no new item
    items = desk.ok(desk.api.get(f"/v1/runs/{first['id']}/items"))["data"]
    assert [i["state"] for i in items] == ["proposed", "proposed"]
    before = _counts(desk)
    bodies = [
        ({"item_ids": [items[0]["id"], "not-an-item"]}, "item_ids[1]"),
        ({"item_ids": []}, "item_ids"),
        ({"item_ids": [items[0]["id"]], "all": True}, "body"),
        ({}, "body"),
        ({"item_ids": [items[0]["id"], items[0]["id"]]}, "item_ids"),
        ({"all": True, "why": "x"}, "why"),
    ]
    for action in ("approve", "reject"):
        for body, field in bodies:
            _problem(desk.api.post(f"/v1/runs/{first['id']}/{action}", body), field)
    _problem(stranger.post(f"/v1/runs/{first['id']}/approve", {"all": True}), "", 404)  # another tenant's run
    _problem(stranger.post(f"/v1/runs/{other['id']}/approve", {"item_ids": [items[0]["id"]]}), "item_ids[0]")
    _problem(desk.api.post(f"/v1/runs/{first['id']}/items/{items[0]['id']}/retry"), "", 409)  # not failed
    _problem(stranger.post(f"/v1/runs/{other['id']}/items/{items[0]['id']}/retry"), "", 404)
    _problem(desk.api.get("/v1/runs?limit=0"), "limit")
    _problem(desk.api.get(f"/v1/runs/{first['id']}/items?state=lost"), "state")
    assert _counts(desk) == before
    assert [i["state"] for i in desk.ok(desk.api.get(f"/v1/runs/{first['id']}/items"))["data"]] == ["proposed"] * 2
    approved = desk.ok(desk.api.post(f"/v1/runs/{first['id']}/approve", {"item_ids": [items[0]["id"]]}))
    assert approved["counts"]["approved"] == 1
    _problem(desk.api.post(f"/v1/runs/{first['id']}/approve", {"item_ids": [items[0]["id"]]}), "item_ids[0]")
    cancelled = desk.ok(desk.api.post(f"/v1/runs/{first['id']}/cancel"))
    assert cancelled["status"] == "cancelled" and cancelled["counts"]["cancelled"] == 2
    _problem(desk.api.post(f"/v1/runs/{first['id']}/approve", {"all": True}), "", 409)
