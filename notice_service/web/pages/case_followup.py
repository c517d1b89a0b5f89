"""The case page's follow-up forms: a promise to pay (and its cancellation), a call (with the promise it may
carry), a manual pause (and resuming it early), through ``use_cases.cases.{promises,calls,manual_pauses}``.

The form's fields are named apart (``promise_amount``, ``call_promise_amount``, ``pause_until``…) so every id on
the case page is unique; a use case's refusal is mapped back onto the field it names, in French. A second active
promise (or pause) is refused next to the form's first field, naming what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import request

from notice_service.domain.deadlines import PARIS
from notice_service.domain.pauses import (
    CALL_OUTCOMES,
    MAX_NOTE,
    PAUSE_HORIZON_DAYS,
    PAUSE_REASONS,
    PROMISE_HORIZON_DAYS,
)
from notice_service.domain.roles import Permission
from notice_service.errors import CaseClosed, InvalidInput
from notice_service.use_cases.cases.calls import MAX_NOTES, CallInput, record_call
from notice_service.use_cases.cases.manual_pauses import pause_case, resume_pause
from notice_service.use_cases.cases.promises import PromiseInput, cancel_promise, record_promise
from notice_service.web.context import services
from notice_service.web.pages.blueprint import needs, pages, person
from notice_service.web.pages.case_page import act_on_case, checked_id
from notice_service.web.pages.forms import Form

#: The use cases' field names → (the form's field, its French message).
FRENCH = {
    "amount": ("amount", "un montant positif, au plus le solde du dossier"),
    "date": ("on", f"une date d’aujourd’hui à {PROMISE_HORIZON_DAYS} jours au plus"),
    "note": ("note", f"au plus {MAX_NOTE} caractères ; obligatoire pour le motif « Autre »"),
    "until": ("until", f"une date de reprise après aujourd’hui, à {PAUSE_HORIZON_DAYS} jours au plus"),
    "reason": ("reason", "choisissez un des motifs proposés"),
    "called_at": ("called_at", "l’heure de l’appel, pas dans le futur"),
    "caller": ("caller", "qui a appelé : un nom ou une équipe"),
    "notes": ("notes", f"au plus {MAX_NOTES} caractères"),
    "outcome": ("outcome", "« Promesse de paiement » exactement quand l’appel porte une promesse"),
}
SECOND = {
    "promesse": "Une promesse est déjà en cours : annulez-la d’abord.",
    "appel": "Une promesse est déjà en cours : annulez-la d’abord, ou enregistrez l’appel sans promesse.",
    "pause": "Une suspension est déjà en cours : reprenez-la d’abord.",
    "suspensions": "Elle a déjà pris fin : rechargez la page.",
}


def _mapped(error: InvalidInput, prefix: str, first: str) -> dict[str, str]:
    """The use case's field errors on the form's fields (``promise.amount`` of a call: ``call_promise_amount``)."""
    found: dict[str, str] = {}
    for item in error.errors:
        base = "call_promise_" if item.field.startswith("promise.") else prefix
        known = FRENCH.get(item.field.split(".")[-1])
        name, message = (base + known[0], known[1]) if known else (first, error.detail)
        found.setdefault(name, message)
    return found or {first: error.detail}


def _follow(case_id: str, name: str, prefix: str, first: str, action: Callable[[Form], None]) -> Any:
    """Run ``action``; back to the case (303), or the case page with the errors by field (422, 409); a closed
    case is the error page."""
    return act_on_case(
        case_id,
        name,
        action,
        invalid=lambda error: _mapped(error, prefix, first),
        refused=lambda _error: {first: SECOND[name]},
        passed=(CaseClosed,),
    )


def _promise(form: Form, prefix: str) -> PromiseInput:
    amount, on = form.amount(f"{prefix}amount"), form.day(f"{prefix}on")
    note = form.text(f"{prefix}note", required=False, max_length=MAX_NOTE) or None
    return PromiseInput(amount, on, note)


@pages.post("/dossiers/<case_id>/promesses")
@needs(Permission.WORK_CASES)
def promise(case_id: str) -> Any:
    def action(form: Form) -> None:
        given = _promise(form, "promise_")
        form.check()
        record_promise(services(), person().actor, checked_id(case_id), given)

    return _follow(case_id, "promesse", "promise_", "promise_amount", action)


def _called_at(form: Form) -> datetime:
    raw = request.form.get("called_at", "").strip()
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        form.errors["called_at"] = "une date et une heure (AAAA-MM-JJ HH:MM)"
        return services().clock.now()
    return value if value.tzinfo is not None else value.replace(tzinfo=PARIS)


@pages.post("/dossiers/<case_id>/appels")
@needs(Permission.WORK_CASES)
def call(case_id: str) -> Any:
    def action(form: Form) -> None:
        called_at, outcome = _called_at(form), form.choice("outcome", CALL_OUTCOMES)
        caller = form.text("caller", max_length=200)
        notes = form.text("notes", required=False, max_length=MAX_NOTES) or None
        given = _promise(form, "call_promise_") if outcome == "promise" else None
        form.check()
        record_call(
            services(), person().actor, checked_id(case_id), CallInput(called_at, caller, outcome, notes, given)
        )

    return _follow(case_id, "appel", "", "called_at", action)


@pages.post("/dossiers/<case_id>/pauses")
@needs(Permission.WORK_CASES)
def pause(case_id: str) -> Any:
    def action(form: Form) -> None:
        until, reason = form.day("pause_until"), form.choice("pause_reason", PAUSE_REASONS)
        note = form.text("pause_note", required=reason == "other", max_length=MAX_NOTE) or None
        form.check()
        pause_case(services(), person().actor, checked_id(case_id), until, reason, note)

    return _follow(case_id, "pause", "pause_", "pause_until", action)


@pages.post("/dossiers/<case_id>/promesses/<pause_id>/annulation")
@needs(Permission.WORK_CASES)
def cancel_promise_view(case_id: str, pause_id: str) -> Any:
    def action(_form: Form) -> None:
        cancel_promise(services(), person().actor, checked_id(case_id), checked_id(pause_id), None)

    return _follow(case_id, "suspensions", "", "suspensions", action)


@pages.post("/dossiers/<case_id>/pauses/<pause_id>/reprise")
@needs(Permission.WORK_CASES)
def resume_pause_view(case_id: str, pause_id: str) -> Any:
    def action(_form: Form) -> None:
        resume_pause(services(), person().actor, checked_id(case_id), checked_id(pause_id), None)

    return _follow(case_id, "suspensions", "", "suspensions", action)
