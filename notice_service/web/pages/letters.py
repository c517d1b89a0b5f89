"""A letter's page: its pages as images, its décompte, the mentions its kind must carry (checked on the final
PDF when issued); approve (issue this very draft) or reject with a reason; then send it and follow its
delivery (facts, AR or deposit proof upload)."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, redirect, request, url_for

from notice_service.domain.delivery.facts import Channel, EvidenceKind, Provider
from notice_service.domain.roles import Permission
from notice_service.errors import (
    Conflict,
    IncompleteNotice,
    InvalidInput,
    NoticeError,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from notice_service.letter_catalogue import mentions_for
from notice_service.use_cases.backoffice.approval import approve_draft, reject_draft, rejection
from notice_service.use_cases.cases.queries import get_case
from notice_service.use_cases.delivery.dispatch import DispatchRequest, dispatch_notice
from notice_service.use_cases.delivery.manual import attach_evidence
from notice_service.use_cases.delivery.recording import EvidenceFile
from notice_service.use_cases.notices.queries import get_notice, notice_pdf
from notice_service.web.context import services
from notice_service.web.pages.blueprint import needs, pages, person
from notice_service.web.pages.case_page import checked_id
from notice_service.web.pages.forms import Form, FormErrors, field_errors
from notice_service.web.pages.rendering import page
from notice_service.web.pages.thumbnails import PAGE_WIDTH, THUMBNAIL_WIDTH, page_count, page_png

CHANNELS = ("registered_letter", "letter", "bailiff")
EVIDENCE = ("acknowledgement_of_receipt", "deposit_proof", "returned_envelope")


def _context(notice_id: str, errors: dict[str, str] | None = None, form: str = "") -> dict[str, Any]:
    actor = person().actor
    notice = get_notice(services(), actor, checked_id(notice_id))
    case = get_case(services(), actor, notice["case_id"])
    pdf, _ = notice_pdf(services(), actor, notice["id"])
    entry = next(n for n in case["notices"] if n["id"] == notice["id"])
    return {
        "notice": notice,
        "case": case,
        "pages": range(page_count(pdf)),
        "mentions": mentions_for(notice["kind"], notice["variant"]),
        "rejection": rejection(services(), actor, notice["id"]),
        "deliveries": entry.get("deliveries", []),
        "receipt": entry.get("receipt"),
        "errors": errors or {},
        "failed_form": form,
        "channels": CHANNELS,
        "evidence_kinds": EVIDENCE,
        "today": services().clock.now().date(),
    }


@pages.get("/courriers/<notice_id>")
@needs(Permission.READ)
def notice_view(notice_id: str) -> Any:
    return page("notice.html", **_context(notice_id))


@pages.get("/courriers/<notice_id>/pages/<int:number>.png")
@needs(Permission.READ)
def notice_page_image(notice_id: str, number: int) -> Any:
    pdf, _ = notice_pdf(services(), person().actor, checked_id(notice_id))
    width = THUMBNAIL_WIDTH if request.args.get("size") == "thumb" else PAGE_WIDTH
    png = page_png(pdf, number - 1, width) if number >= 1 else None
    if png is None:
        abort(404)
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@pages.get("/courriers/<notice_id>/pdf")
@needs(Permission.READ)
def notice_download(notice_id: str) -> Any:
    pdf, name = notice_pdf(services(), person().actor, checked_id(notice_id))
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _redirect(notice_id: str, anchor: str = "") -> Any:
    return redirect(url_for("pages.notice_view", notice_id=checked_id(notice_id)) + anchor, 303)


def _failed(notice_id: str, form: str, errors: dict[str, str], status: int) -> Any:
    return page("notice.html", status, **_context(notice_id, errors, form))


@pages.post("/courriers/<notice_id>/approbation")
@needs(Permission.APPROVE)
def approve(notice_id: str) -> Any:
    try:
        approve_draft(services(), person().actor, checked_id(notice_id))
    except IncompleteNotice as error:
        missing = ", ".join(str(m.get("label", m)) for m in error.extra.get("missing", []))  # type: ignore[attr-defined]
        return _failed(notice_id, "approbation", {"approve": f"Mentions manquantes : {missing}"}, 422)
    except (Conflict, InvalidInput) as error:
        return _failed(notice_id, "approbation", {"approve": error.detail}, 409)
    return _redirect(notice_id, "#envoi")


@pages.post("/courriers/<notice_id>/rejet")
@needs(Permission.APPROVE)
def reject(notice_id: str) -> Any:
    try:
        reject_draft(services(), person().actor, checked_id(notice_id), request.form.get("reason", ""))
    except InvalidInput as error:
        return _failed(notice_id, "rejet", field_errors(error, {"reason"}, "reason"), 422)
    except Conflict as error:
        return _failed(notice_id, "rejet", {"reason": error.detail}, 409)
    return _redirect(notice_id)


@pages.post("/courriers/<notice_id>/envois")
@needs(Permission.WORK_CASES)
def send(notice_id: str) -> Any:
    form = Form()
    fields = {"channel", "tracking_number"}
    try:
        channel = form.choice("channel", CHANNELS)
        tracking = form.text("tracking_number", required=False, max_length=15) or None
        form.check()
        request_ = DispatchRequest(checked_id(notice_id), Channel(channel), Provider.MANUAL, tracking_number=tracking)
        dispatch_notice(services(), person().actor, request_)
    except FormErrors as error:
        return _failed(notice_id, "envoi", error.errors, 422)
    except InvalidInput as error:
        return _failed(notice_id, "envoi", field_errors(error, fields, "channel"), 422)
    except NoticeError as error:
        return _failed(notice_id, "envoi", {"channel": error.detail}, 409)
    return _redirect(notice_id, "#suivi")


@pages.post("/courriers/<notice_id>/envois/<delivery_id>/preuves")
@needs(Permission.WORK_CASES)
def upload_proof(notice_id: str, delivery_id: str) -> Any:
    form = Form()
    fields = {"evidence_kind", "shown_on", "file"}
    try:
        kind = form.choice("evidence_kind", EVIDENCE)
        shown_on = form.day("shown_on")
        upload = request.files.get("file")
        data = upload.read() if upload is not None else b""
        if not data:
            form.errors["file"] = "choisissez le fichier scanné (PDF, PNG, JPEG ou TIFF)"
        form.check()
        evidence = EvidenceFile(EvidenceKind(kind), data, shown_on)
        attach_evidence(services(), person().actor, checked_id(delivery_id), evidence)
    except FormErrors as error:
        return _failed(notice_id, "preuve", error.errors, 422)
    except InvalidInput as error:
        return _failed(notice_id, "preuve", field_errors(error, fields, "file"), 422)
    except (UnsupportedMediaType, PayloadTooLarge):
        return _failed(notice_id, "preuve", {"file": "un scan PDF, PNG, JPEG ou TIFF, 10 Mo au plus"}, 422)
    except Conflict as error:
        return _failed(notice_id, "preuve", {"file": error.detail}, 409)
    return _redirect(notice_id, "#suivi")
