"""``/v1/cases/{id}/dossiers`` and ``/v1/dossiers``: export a case's evidence dossier, list dossiers, read one,
download its ZIP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Annotated, Any, Literal

from flask import Blueprint, Response
from pydantic import BaseModel, Field, StringConstraints

from notice_service.use_cases.dossier.archive import get_dossier, open_archive
from notice_service.use_cases.dossier.export import ExportRequest, export_dossier
from notice_service.use_cases.dossier.listing import list_dossiers
from notice_service.web.context import actor, services
from notice_service.web.dossiers.schemas import DossierListQuery, DossierPage
from notice_service.web.idempotency import idempotent
from notice_service.web.listing import parse_query
from notice_service.web.openapi import operation, parse_json
from notice_service.web.responses import json_response
from notice_service.web.schemas import Strict

dossiers = Blueprint("dossiers", __name__, url_prefix="/v1")


# as sent (not stripped: a name the schema refuses is never shortened into one it accepts), no control character
CourtName = Annotated[
    str, StringConstraints(strip_whitespace=False, min_length=20, max_length=150, pattern=r"^[^\x00-\x1f\x7f]+$")
]


class PrescriptionOverride(Strict):
    reason: str = Field(min_length=3, max_length=2000)


class DossierCreate(Strict):
    """Export options; ``override_prescription`` exports a prescribed claim anyway (the override is audited)."""

    override_prescription: PrescriptionOverride | None = None
    interest_until: Literal["last_confirmed"] | None = Field(
        default=None,
        description="`last_confirmed`: interest arrêté at the last day the confirmed rates cover, the later "
        "interest claimed in words, instead of a `rate-unknown` refusal",
    )
    court: CourtName | None = Field(
        default=None,
        description="the court of the debtor's domicile, for a commune the shipped table of courts does not hold "
        "(`court-unknown`): « tribunal judiciaire de … », or for a commercial claim « tribunal de commerce de … » "
        "or « tribunal des activités économiques de … »; refused when the table knows the commune",
    )


class Finding(BaseModel):
    code: str
    message: str


class DossierOut(BaseModel):
    id: str
    case_id: str
    archive_name: str
    sha256: str
    size: int
    manifest_sha256: str
    checkpoint_size: int
    court: dict[str, Any]
    warnings: list[Finding]
    notes: list[Finding]
    prescription_overridden: bool
    files: int
    created_at: str
    archive_url: str


@operation(
    dossiers,
    "/cases/<case_id>/dossiers",
    "POST",
    "Export the case's evidence dossier for an injonction de payer (ZIP, signed manifest)",
    request_model=DossierCreate,
    response_model=DossierOut,
    status=201,
    creates="dossier_id",
    idempotent=True,
)
@idempotent
def create_dossier(case_id: str) -> Response:
    body = parse_json(DossierCreate)
    reason = body.override_prescription.reason if body.override_prescription else None
    exported = export_dossier(services(), actor(), ExportRequest(case_id, reason, body.interest_until, body.court))
    location = f"/v1/dossiers/{exported.dossier_id}"
    return json_response(DossierOut, get_dossier(services(), actor(), exported.dossier_id), 201, location)


@operation(dossiers, "/dossiers/<dossier_id>", "GET", "Read an exported dossier", response_model=DossierOut)
def read_dossier(dossier_id: str) -> Response:
    return json_response(DossierOut, get_dossier(services(), actor(), dossier_id))


@operation(
    dossiers,
    "/dossiers/<dossier_id>/archive",
    "GET",
    "Download the dossier's ZIP (streamed from the store, checked against its audited SHA-256)",
    response_media="application/zip",
)
def download_archive(dossier_id: str) -> Response:
    archive = open_archive(services(), actor(), dossier_id)
    response = Response(_chunks(archive.stream), mimetype="application/zip", direct_passthrough=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{archive.name}"'
    response.headers["Content-Length"] = str(archive.size)  # a copy cut short by an integrity failure shows
    return response


def _chunks(archive: IO[bytes]) -> Iterator[bytes]:
    """The stream in 1 MiB chunks, closed once sent or when the client goes away (a temporary file is deleted)."""
    try:
        while chunk := archive.read(1024 * 1024):
            yield chunk
    finally:
        archive.close()


@operation(dossiers, "/dossiers", "GET", "List dossiers", query_model=DossierListQuery, response_model=DossierPage)
def list_dossiers_route() -> Response:
    """The tenant's exported dossiers, newest first, optionally of one case."""
    who = actor()
    query = parse_query(DossierListQuery)
    return json_response(DossierPage, list_dossiers(services(), who, query.case_id, query.page()))
