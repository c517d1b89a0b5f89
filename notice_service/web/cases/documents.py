"""A case's supporting documents (``POST /v1/cases/{id}/documents``, multipart: file, kind, title, dated) and the
disputes the debtor raised (``POST /v1/cases/{id}/disputes``); both are listed on ``GET /v1/cases/{id}``."""

from __future__ import annotations

from datetime import date
from typing import Literal

from flask import Blueprint, Response, request
from pydantic import BaseModel, Field, ValidationError

from notice_service.errors import FieldError, InvalidInput
from notice_service.use_cases.cases.disputes import MAX_SUMMARY, record_dispute
from notice_service.use_cases.cases.documents import DocumentKind, DocumentUpload, add_case_document
from notice_service.web.context import actor, services
from notice_service.web.idempotency import idempotent
from notice_service.web.openapi import operation, parse_json
from notice_service.web.responses import json_response
from notice_service.web.schemas import Strict

case_documents = Blueprint("case_documents", __name__)


class DocumentForm(Strict):
    kind: DocumentKind
    title: str | None = Field(default=None, max_length=200)
    dated: date | None = None


class DisputeCreate(Strict):
    raised_on: date = Field(description="when the debtor disputed the claim (date in Paris)")
    summary: str = Field(min_length=1, max_length=MAX_SUMMARY, description="kept on the case; audited by SHA-256")


class CaseItemCreated(BaseModel):
    id: str
    case_id: str
    status: Literal["recorded"]


def _document_form() -> tuple[DocumentForm, bytes]:
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput("Send the file as multipart/form-data field 'file'.", errors=[FieldError("file", "missing")])
    try:
        form = DocumentForm.model_validate({key: value for key, value in request.form.items() if value != ""})
    except ValidationError as error:
        fields = [FieldError(".".join(map(str, e["loc"])), e["msg"]) for e in error.errors(include_url=False)]
        raise InvalidInput("The form has invalid fields.", errors=fields) from None
    return form, upload.read()


@operation(
    case_documents,
    "/v1/cases/<case_id>/documents",
    "POST",
    "Upload a supporting document: contract, CGV, purchase order, other (multipart: file, kind, title, dated)",
    response_model=CaseItemCreated,
    status=201,
    idempotent=True,
    form_model=DocumentForm,
    form_files=("file",),
)
@idempotent
def create_document(case_id: str) -> Response:
    form, data = _document_form()
    document_id = add_case_document(
        services(), actor(), case_id, DocumentUpload(form.kind, data, form.title, form.dated)
    )
    return json_response(CaseItemCreated, {"id": document_id, "case_id": case_id, "status": "recorded"}, 201)


@operation(
    case_documents,
    "/v1/cases/<case_id>/disputes",
    "POST",
    "Record that the debtor disputes the claim",
    request_model=DisputeCreate,
    response_model=CaseItemCreated,
    status=201,
    idempotent=True,
)
@idempotent
def create_dispute(case_id: str) -> Response:
    body = parse_json(DisputeCreate)
    dispute_id = record_dispute(services(), actor(), case_id, body.raised_on, body.summary)
    return json_response(CaseItemCreated, {"id": dispute_id, "case_id": case_id, "status": "recorded"}, 201)
