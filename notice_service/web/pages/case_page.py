"""The dossier (case) page: debtor, invoices, balance, timeline, letters with their first page, deliveries and
their facts, disputes, the next step and the mise en demeure's deadline; and its action forms."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from flask import redirect, url_for

from notice_service.domain.deadlines import PARIS
from notice_service.domain.pauses import CALL_OUTCOMES, PAUSE_REASONS, PROMISE_HORIZON_DAYS
from notice_service.domain.roles import Permission
from notice_service.errors import Conflict, InvalidInput, NotFound, NoticeError
from notice_service.use_cases.cases.lifecycle import CLOSE_REASONS
from notice_service.use_cases.cases.queries import get_case
from notice_service.use_cases.dossier.listing import list_dossiers
from notice_service.use_cases.listing import PageRequest
from notice_service.web.context import services
from notice_service.web.pages.blueprint import needs, pages, person
from notice_service.web.pages.forms import Form, FormErrors
from notice_service.web.pages.rendering import (
    CLOSE_LABELS,
    OUTCOME_LABELS,
    PAUSE_REASON_LABELS,
    STEP_LABELS,
    money,
    page,
)

LETTER_KINDS = ("formal_notice", "reminder", "second_reminder", "pre_reminder")


def checked_id(value: str) -> str:
    """A UUID, else the page is not found (a foreign or malformed id is a 404 page)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound("Aucun élément ne porte cet identifiant.") from None


def _deadline(case: dict[str, Any], today: date) -> dict[str, Any] | None:
    """The latest mise en demeure's receipt and deadline, with the days left (negative once expired)."""
    for notice in reversed(case["notices"]):
        receipt = notice.get("receipt")
        if notice["kind"] == "formal_notice" and receipt:
            deadline_on = date.fromisoformat(receipt["deadline_date"])
            return {**receipt, "notice_id": notice["id"], "days_left": (deadline_on - today).days}
    return None


def case_context(case_id: str, errors: dict[str, str] | None = None, form: str = "") -> dict[str, Any]:
    services_ = services()
    actor = person().actor
    case = get_case(services_, actor, checked_id(case_id))
    today = services_.clock.now().astimezone(PARIS).date()
    balance = sum((Decimal(i["balance"]) for i in case["invoices"]), Decimal(0))
    dossiers = list_dossiers(services_, actor, case["id"], PageRequest(limit=5))["data"]
    return {
        "case": case,
        "balance": balance,
        "today": today,
        "deadline": _deadline(case, today),
        "dossiers": dossiers,
        "errors": errors or {},
        "failed_form": form,
        "kind_options": [(kind, STEP_LABELS[kind]) for kind in LETTER_KINDS],
        "invoice_options": [(i["id"], f"{i['number']} — solde {money(i['balance'])}") for i in case["invoices"]],
        "close_options": [(reason, CLOSE_LABELS[reason]) for reason in CLOSE_REASONS],
        "timeline": list(reversed(case["timeline"]))[:200],
        "outcome_options": [(outcome, OUTCOME_LABELS[outcome]) for outcome in CALL_OUTCOMES],
        "pause_reason_options": [(reason, PAUSE_REASON_LABELS[reason]) for reason in PAUSE_REASONS],
        "now_local": services_.clock.now().astimezone(PARIS).strftime("%Y-%m-%dT%H:%M"),
        "promise_horizon_days": PROMISE_HORIZON_DAYS,
    }


def act_on_case(
    case_id: str,
    form_name: str,
    action: Callable[[Form], str | None],
    *,
    invalid: Callable[[InvalidInput], dict[str, str]],
    refused: Callable[[NoticeError], dict[str, str]],
    refusals: tuple[type[NoticeError], ...] = (Conflict,),
    passed: tuple[type[NoticeError], ...] = (),
) -> Any:
    """Run one of the case page's forms: ``action`` reads the posted ``Form`` and calls its use case; its answer is
    where to go next (the case at ``#form_name`` when ``None``, 303). A bad field re-renders the case page with
    the errors by field: the form's own (422), a use case's ``InvalidInput`` as ``invalid`` maps it (422), one of
    ``refusals`` as ``refused`` maps it (409); the errors in ``passed`` go on to their error page."""
    case_id = checked_id(case_id)
    form = Form()
    try:
        target = action(form)
    except FormErrors as error:
        return page("case.html", 422, **case_context(case_id, error.errors, form_name))
    except InvalidInput as error:
        return page("case.html", 422, **case_context(case_id, invalid(error), form_name))
    except passed:
        raise
    except refusals as error:
        return page("case.html", 409, **case_context(case_id, refused(error), form_name))
    return redirect(target or url_for("pages.case_view", case_id=case_id) + f"#{form_name}", 303)


@pages.get("/dossiers/<case_id>")
@needs(Permission.READ)
def case_view(case_id: str) -> Any:
    return page("case.html", **case_context(case_id))
