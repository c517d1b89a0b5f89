"""The case page's forms: draft a letter, record a payment or a dispute, close the case, export the dossier.

Each reads its fields (``forms.Form``), calls its use case with the person as actor and redirects to the case
(303); a bad field re-renders the case page with the error next to the field (422) and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from flask import Response, request, url_for

from notice_service.domain.roles import Permission
from notice_service.errors import Conflict, RateUnknown
from notice_service.use_cases.backoffice.rows import case_invoice_ids
from notice_service.use_cases.cases.disputes import record_dispute
from notice_service.use_cases.cases.lifecycle import CLOSE_REASONS, close_case
from notice_service.use_cases.claims.payments import PaymentInput, record_payment
from notice_service.use_cases.dossier.archive import open_archive
from notice_service.use_cases.dossier.export import ExportRequest, export_dossier
from notice_service.use_cases.notices.draft import DraftRequest, draft_notice
from notice_service.web.context import services
from notice_service.web.pages.blueprint import needs, pages, person
from notice_service.web.pages.case_page import LETTER_KINDS, act_on_case, checked_id
from notice_service.web.pages.forms import Form, field_errors


def _act(case_id: str, form_name: str, fields: set[str], action: Callable[[Form], str | None]) -> Any:
    """Run ``action`` on the posted form; its answer is where to go next (the case when ``None``). A refusal
    goes next to the form's field it names, else its first (a rate unknown or a conflict: 409)."""
    first = sorted(fields)[0]
    return act_on_case(
        case_id,
        form_name,
        action,
        invalid=lambda error: field_errors(error, fields, first),
        refused=lambda error: {first: error.detail},
        refusals=(RateUnknown, Conflict),
    )


@pages.post("/dossiers/<case_id>/courriers")
@needs(Permission.WORK_CASES)
def draft_letter(case_id: str) -> Any:
    def action(form: Form) -> str:
        kind = form.choice("kind", LETTER_KINDS)
        as_of = form.day("as_of")
        options: dict[str, Any] = {}
        if kind == "formal_notice":
            options["deadline_days"] = form.integer("deadline_days", 8, 60)
        until = "last_confirmed" if request.form.get("arrete") == "1" else None
        form.check()
        draft = DraftRequest(checked_id(case_id), kind, as_of, options, interest_until=until)
        notice_id = draft_notice(services(), person().actor, draft)
        return url_for("pages.notice_view", notice_id=notice_id)

    return _act(case_id, "courrier", {"kind", "as_of", "deadline_days"}, action)


@pages.post("/dossiers/<case_id>/paiements")
@needs(Permission.WORK_CASES)
def payment(case_id: str) -> Any:
    def action(form: Form) -> None:
        invoice_id = form.text("invoice_id")
        amount, paid_on = form.amount("amount"), form.day("paid_on")
        reference = form.text("reference", required=False, max_length=100) or None
        if invoice_id not in case_invoice_ids(services(), person().actor, checked_id(case_id)):
            form.errors["invoice_id"] = "choisissez une facture de ce dossier"
        form.check()
        record_payment(services(), person().actor, PaymentInput(invoice_id, amount, paid_on, reference))

    return _act(case_id, "paiement", {"invoice_id", "amount", "paid_on", "reference"}, action)


@pages.post("/dossiers/<case_id>/contestations")
@needs(Permission.WORK_CASES)
def dispute(case_id: str) -> Any:
    def action(form: Form) -> None:
        raised_on, summary = form.day("raised_on"), form.text("summary", max_length=1000)
        form.check()
        record_dispute(services(), person().actor, checked_id(case_id), raised_on, summary)

    return _act(case_id, "contestation", {"raised_on", "summary"}, action)


@pages.post("/dossiers/<case_id>/cloture")
@needs(Permission.WORK_CASES)
def close(case_id: str) -> Any:
    def action(form: Form) -> None:
        reason = form.choice("reason", CLOSE_REASONS)
        note = form.text("note", required=reason == "other", max_length=500) or None
        form.check()
        close_case(services(), person().actor, checked_id(case_id), reason, note)

    return _act(case_id, "cloture", {"reason", "note"}, action)


@pages.post("/dossiers/<case_id>/export")
@needs(Permission.EXPORT)
def export(case_id: str) -> Any:
    def action(form: Form) -> str:
        override = form.text("override_reason", required=False, max_length=500) or None
        until = "last_confirmed" if request.form.get("arrete") == "1" else None
        form.check()
        done = export_dossier(services(), person().actor, ExportRequest(checked_id(case_id), override, until))
        return url_for("pages.case_view", case_id=checked_id(case_id), export=done.dossier_id) + "#export"

    return _act(case_id, "export", {"override_reason"}, action)


@pages.get("/exports/<dossier_id>/archive")
@needs(Permission.EXPORT)
def dossier_archive(dossier_id: str) -> Any:
    archive = open_archive(services(), person().actor, checked_id(dossier_id))

    def chunks() -> Iterator[bytes]:
        try:
            while block := archive.stream.read(1 << 20):
                yield block
        finally:
            archive.stream.close()

    response = Response(chunks(), mimetype="application/zip", direct_passthrough=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{archive.name}"'
    response.headers["Content-Length"] = str(archive.size)
    return response
