"""The runs' pages (``/app/runs``): plan the day's run, its proposal grouped by step, approve all or some (or
reject), follow execution (a progress fragment htmx polls; without JavaScript the page reloads), and the failed
items with their reason, each retried by a button. Everything goes through ``use_cases.dunning``.

Who may: credit (``work_cases``) plans a run, cancels it and retries a failed item; an approver (``approve``)
approves or rejects items; every other role reads. A run or item of another tenant is a 404 page.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import flash, get_flashed_messages, redirect, request, url_for

from notice_service.domain.deadlines import PARIS
from notice_service.domain.roles import Permission
from notice_service.errors import Conflict, InvalidInput, NotFound
from notice_service.use_cases.backoffice.rows import case_rows
from notice_service.use_cases.dunning.decisions import cancel_run, decide, retry_item
from notice_service.use_cases.dunning.planning import plan_run
from notice_service.use_cases.dunning.queries import list_runs, run_items, run_view
from notice_service.web.context import services
from notice_service.web.pages.blueprint import needs, pages, person
from notice_service.web.pages.case_page import checked_id
from notice_service.web.pages.forms import Form, FormErrors, field_errors
from notice_service.web.pages.rendering import page

SHOWN = 100  # proposed items listed on the page (the first ones); "approve all" covers every one
STATE_LABELS = {
    "proposed": "À approuver",
    "approved": "Approuvé, en cours",
    "rejected": "Rejeté",
    "issued": "Émis",
    "dispatched": "Envoyé",
    "failed": "En échec",
    "skipped": "Écarté",
    "cancelled": "Annulé",
}
CHANNEL_LABELS = {
    "email": "E-mail",
    "letter": "Courrier simple",
    "registered_letter": "Lettre recommandée AR",
    "email_and_letter": "E-mail et courrier",
    "sms": "SMS",
    "phone": "Téléphone",
    "none": "—",
}
RUN_STATUS_LABELS = {"open": "En cours", "completed": "Terminée", "cancelled": "Annulée"}


def _runs_context(errors: dict[str, str] | None = None) -> dict[str, Any]:
    today = services().clock.now().astimezone(PARIS).date()
    return {
        "runs": list_runs(services(), person().actor, 20),
        "today": today,
        "errors": errors or {},
        "RUN_STATUS_LABELS": RUN_STATUS_LABELS,
    }


@pages.get("/runs")
@needs(Permission.READ)
def runs_list() -> Any:
    return page("runs.html", **_runs_context())


@pages.post("/runs")
@needs(Permission.WORK_CASES)
def plan_run_view() -> Any:
    form = Form()
    as_of = form.day("as_of")
    try:
        form.check()
        planned = plan_run(services(), person().actor, as_of)
    except FormErrors as error:
        return page("runs.html", 422, **_runs_context(error.errors))
    except InvalidInput as error:  # its one field error: a future day
        errors = field_errors(error, {"as_of"}, "as_of", messages={"as_of": "pas un jour futur : aujourd’hui ou avant"})
        return page("runs.html", 422, **_runs_context(errors))
    return redirect(url_for("pages.run_page", run_id=planned.run_id), 303)


def _groups(run_id: str) -> list[dict[str, Any]]:
    """The proposed items, grouped by step (plan step index and action), each with its case's debtor."""
    items = run_items(services(), person().actor, run_id, "proposed", SHOWN)
    cases = case_rows(services(), person().actor, [{"id": i["case_id"], "debtor_id": i["debtor_id"]} for i in items])
    by_case = {row["id"]: row for row in cases}
    grouped: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        grouped[(item["step_index"], item["action"])].append({**item, "case": by_case.get(item["case_id"], {})})
    return [{"index": k[0], "action": k[1], "rows": v} for k, v in sorted(grouped.items())]


def _run_context(run_id: str, errors: dict[str, str] | None = None) -> dict[str, Any]:
    run = run_view(services(), person().actor, checked_id(run_id))
    return {
        "run": run,
        "groups": _groups(run["id"]),
        "shown": SHOWN,
        "errors": errors or {},
        "messages": get_flashed_messages(),
        "STATE_LABELS": STATE_LABELS,
        "RUN_STATUS_LABELS": RUN_STATUS_LABELS,
        "CHANNEL_LABELS": CHANNEL_LABELS,
    }


@pages.get("/runs/<run_id>")
@needs(Permission.READ)
def run_page(run_id: str) -> Any:
    return page("run.html", **_run_context(run_id))


@pages.get("/runs/<run_id>/progression")
@needs(Permission.READ)
def run_progress(run_id: str) -> Any:
    """The progress fragment the run's page polls (htmx) while items are being executed."""
    run = run_view(services(), person().actor, checked_id(run_id))
    context: dict[str, Any] = {"run": run, "STATE_LABELS": STATE_LABELS, "RUN_STATUS_LABELS": RUN_STATUS_LABELS}
    return page("_run_progress.html", **context)


def _selection() -> list[str] | None:
    """``None`` for "all", else the ticked items (each a UUID, else the field's error)."""
    if request.form.get("all") == "1":
        return None
    ticked = request.form.getlist("item_ids")
    if not ticked:
        raise FormErrors({"item_ids": "cochez au moins un élément, ou choisissez « Tout approuver »"})
    if len(ticked) > 10_000:
        raise FormErrors({"item_ids": "au plus 10 000 éléments à la fois"})
    try:
        return [checked_id(value) for value in ticked]
    except NotFound:
        raise FormErrors({"item_ids": "un des éléments cochés n’appartient pas à cette tournée"}) from None


def _decide(run_id: str, approve: bool) -> Any:
    run_id = checked_id(run_id)
    try:
        count = decide(services(), person().actor, run_id, _selection(), approve)
    except FormErrors as error:
        return page("run.html", 422, **_run_context(run_id, error.errors))
    except InvalidInput as error:
        detail = "; ".join(f"{e.field} : {e.message}" for e in error.errors) or error.detail
        return page("run.html", 422, **_run_context(run_id, {"item_ids": f"rien n’a changé ({detail})"}))
    except Conflict:
        message = "La tournée est annulée : planifiez-en une nouvelle."
        return page("run.html", 409, **_run_context(run_id, {"item_ids": message}))
    flash(f"{count} élément(s) {'approuvé(s)' if approve else 'rejeté(s)'}.")
    return redirect(url_for("pages.run_page", run_id=run_id), 303)


@pages.post("/runs/<run_id>/approbation")
@needs(Permission.APPROVE)
def approve_items(run_id: str) -> Any:
    return _decide(run_id, True)


@pages.post("/runs/<run_id>/rejet")
@needs(Permission.APPROVE)
def reject_items(run_id: str) -> Any:
    return _decide(run_id, False)


@pages.post("/runs/<run_id>/elements/<item_id>/relance")
@needs(Permission.WORK_CASES)
def retry_run_item(run_id: str, item_id: str) -> Any:
    run_id = checked_id(run_id)
    try:
        retry_item(services(), person().actor, run_id, checked_id(item_id))
    except InvalidInput:
        return page("run.html", 422, **_run_context(run_id, {"failed": "cet élément n’est pas de cette tournée"}))
    except Conflict:
        message = "Seul un élément en échec se relance ; la page était peut-être ancienne."
        return page("run.html", 409, **_run_context(run_id, {"failed": message}))
    flash("Élément relancé : il repart dans la file d’exécution.")
    return redirect(url_for("pages.run_page", run_id=run_id) + "#echecs", 303)


@pages.post("/runs/<run_id>/annulation")
@needs(Permission.WORK_CASES)
def cancel_run_view(run_id: str) -> Any:
    run_id = checked_id(run_id)
    try:
        count = cancel_run(services(), person().actor, run_id)
    except Conflict:
        message = "La tournée est déjà terminée ou annulée."
        return page("run.html", 409, **_run_context(run_id, {"cancel": message}))
    flash(f"Tournée annulée ({count} élément(s) arrêté(s)).")
    return redirect(url_for("pages.run_page", run_id=run_id), 303)
