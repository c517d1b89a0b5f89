"""``/v1/plans`` and ``/v1/runs`` (with ``/v1/dunning/settings`` and ``/v1/debtors/{id}/plan``)."""

from __future__ import annotations

from flask import Blueprint, Response

from notice_service.use_cases.dunning.decisions import cancel_run, decide, retry_item
from notice_service.use_cases.dunning.planning import plan_run
from notice_service.use_cases.dunning.plans import (
    SettingsChange,
    assign_debtor_plan,
    create_plan,
    debtor_plan_id,
    get_plan,
    list_plans,
    read_settings,
    update_plan,
    update_settings,
)
from notice_service.use_cases.dunning.queries import list_runs, run_items, run_view
from notice_service.web.context import actor, services
from notice_service.web.dunning.schemas import (
    DebtorPlanIn,
    DebtorPlanOut,
    DunningSettingsIn,
    DunningSettingsOut,
    ItemList,
    ItemListQuery,
    ItemsDecision,
    PlanIn,
    PlanList,
    PlanOut,
    RunCreate,
    RunList,
    RunListQuery,
    RunOut,
)
from notice_service.web.idempotency import idempotent
from notice_service.web.listing import parse_query
from notice_service.web.openapi import operation, parse_json
from notice_service.web.responses import json_response

dunning = Blueprint("dunning", __name__, url_prefix="/v1")


def _steps(body: PlanIn) -> list[dict[str, object]]:
    return [step.model_dump() for step in body.steps]


@operation(dunning, "/plans", "POST", "Create a dunning plan", request_model=PlanIn, response_model=PlanOut,
           status=201, creates="plan_id", idempotent=True)  # fmt: skip
@idempotent
def create_plan_route() -> Response:
    body = parse_json(PlanIn)
    plan_id = create_plan(services(), actor(), body.name, _steps(body), body.default)
    return json_response(PlanOut, get_plan(services(), actor(), plan_id), 201, f"/v1/plans/{plan_id}")


@operation(dunning, "/plans", "GET", "List the dunning plans (the built-in default first)", response_model=PlanList)
def list_plans_route() -> Response:
    return json_response(PlanList, {"data": list_plans(services(), actor())})


@operation(dunning, "/plans/<plan_id>", "GET", "Read a dunning plan", response_model=PlanOut)
def read_plan(plan_id: str) -> Response:
    return json_response(PlanOut, get_plan(services(), actor(), plan_id))


@operation(dunning, "/plans/<plan_id>", "PUT", "Change a plan (a new version for the future steps)",
           request_model=PlanIn, response_model=PlanOut)  # fmt: skip
def replace_plan(plan_id: str) -> Response:
    body = parse_json(PlanIn)
    update_plan(services(), actor(), plan_id, body.name, _steps(body), body.default)
    return json_response(PlanOut, get_plan(services(), actor(), plan_id))


@operation(dunning, "/dunning/settings", "GET", "Read the dunning settings", response_model=DunningSettingsOut)
def read_dunning_settings() -> Response:
    return json_response(DunningSettingsOut, read_settings(services(), actor()))


@operation(dunning, "/dunning/settings", "PUT", "Change the dunning settings (fields left out are kept)",
           request_model=DunningSettingsIn, response_model=DunningSettingsOut)  # fmt: skip
def replace_dunning_settings() -> Response:
    body = parse_json(DunningSettingsIn)
    change = SettingsChange(
        min_interval_days=body.min_interval_days, working_days_only=body.working_days_only, run_at=body.run_at,
        clear_run_at=body.no_daily_run, default_plan_id=body.default_plan_id,
    )  # fmt: skip
    return json_response(DunningSettingsOut, update_settings(services(), actor(), change))


@operation(dunning, "/debtors/<debtor_id>/plan", "GET", "Read the plan a debtor follows", response_model=DebtorPlanOut)
def read_debtor_plan(debtor_id: str) -> Response:
    return json_response(DebtorPlanOut, debtor_plan_id(services(), actor(), debtor_id))


@operation(dunning, "/debtors/<debtor_id>/plan", "PUT", "Choose the plan a debtor follows",
           request_model=DebtorPlanIn, response_model=DebtorPlanOut)  # fmt: skip
def replace_debtor_plan(debtor_id: str) -> Response:
    body = parse_json(DebtorPlanIn)
    assign_debtor_plan(services(), actor(), debtor_id, body.plan_id)
    return json_response(DebtorPlanOut, debtor_plan_id(services(), actor(), debtor_id))


@operation(dunning, "/runs", "POST", "Plan a run: every step due on as_of", request_model=RunCreate,
           response_model=RunOut, status=201, creates="run_id", idempotent=True)  # fmt: skip
@idempotent
def create_run() -> Response:
    body = parse_json(RunCreate)
    planned = plan_run(services(), actor(), body.as_of)
    return json_response(RunOut, run_view(services(), actor(), planned.run_id), 201, f"/v1/runs/{planned.run_id}")


@operation(dunning, "/runs", "GET", "List runs, newest first", query_model=RunListQuery, response_model=RunList)
def list_runs_route() -> Response:
    query = parse_query(RunListQuery)
    return json_response(RunList, {"data": list_runs(services(), actor(), query.limit)})


@operation(dunning, "/runs/<run_id>", "GET", "Read a run: counts, progress, errors", response_model=RunOut)
def read_run(run_id: str) -> Response:
    return json_response(RunOut, run_view(services(), actor(), run_id))


@operation(dunning, "/runs/<run_id>/items", "GET", "List a run's items", query_model=ItemListQuery,
           response_model=ItemList)  # fmt: skip
def list_run_items(run_id: str) -> Response:
    query = parse_query(ItemListQuery)
    return json_response(ItemList, {"data": run_items(services(), actor(), run_id, query.state, query.limit)})


def _decide(run_id: str, approve: bool) -> Response:
    body = parse_json(ItemsDecision)
    decide(services(), actor(), run_id, None if body.all else body.item_ids, approve)
    return json_response(RunOut, run_view(services(), actor(), run_id))


@operation(dunning, "/runs/<run_id>/approve", "POST", "Approve items (ids, or all)", request_model=ItemsDecision,
           response_model=RunOut, idempotent=True, scope="issue")  # fmt: skip
@idempotent
def approve_run_items(run_id: str) -> Response:
    return _decide(run_id, True)


@operation(dunning, "/runs/<run_id>/reject", "POST", "Reject items (ids, or all)", request_model=ItemsDecision,
           response_model=RunOut, idempotent=True)  # fmt: skip
@idempotent
def reject_run_items(run_id: str) -> Response:
    return _decide(run_id, False)


@operation(
    dunning,
    "/runs/<run_id>/cancel",
    "POST",
    "Cancel a run: what is not issued stops",
    response_model=RunOut,
    idempotent=True,
)
@idempotent
def cancel_run_route(run_id: str) -> Response:
    cancel_run(services(), actor(), run_id)
    return json_response(RunOut, run_view(services(), actor(), run_id))


@operation(
    dunning,
    "/runs/<run_id>/items/<item_id>/retry",
    "POST",
    "Retry a failed item",
    response_model=RunOut,
    idempotent=True,
)
@idempotent
def retry_run_item(run_id: str, item_id: str) -> Response:
    retry_item(services(), actor(), run_id, item_id)
    return json_response(RunOut, run_view(services(), actor(), run_id))
