"""Deliveries: dispatch an issued notice (``POST /v1/notices/{id}/deliveries``), list and read deliveries, record
manual facts and upload evidence files (multipart), record a consumer's consent to LRE."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from flask import Blueprint, Response, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from notice_service.domain.delivery.facts import Channel, EvidenceKind, FactKind, Provider
from notice_service.errors import FieldError, InvalidInput
from notice_service.use_cases.delivery.costs import delivery_costs
from notice_service.use_cases.delivery.dispatch import DispatchRequest, dispatch_notice
from notice_service.use_cases.delivery.listing import DeliveryFilters, list_deliveries
from notice_service.use_cases.delivery.manual import (
    ManualFact,
    attach_evidence,
    record_delivery_fact,
    record_lre_consent,
)
from notice_service.use_cases.delivery.queries import get_delivery
from notice_service.use_cases.delivery.recording import EvidenceFile
from notice_service.web.context import actor, services
from notice_service.web.delivery.schemas import DeliveryListQuery, DeliveryPage
from notice_service.web.idempotency import idempotent
from notice_service.web.listing import parse_query
from notice_service.web.openapi import operation, parse_json
from notice_service.web.responses import json_response
from notice_service.web.schemas import Strict

deliveries = Blueprint("deliveries", __name__)


class DeliveryCreate(Strict):
    channel: Channel
    provider: Provider
    tracking_number: str | None = Field(default=None, max_length=40, description="UPU S10 or domestic La Poste")
    provider_reference: str | None = Field(default=None, max_length=255, description="e.g. Merci Facteur ref")
    recipient_email: str | None = Field(default=None, max_length=254)


class FactCreate(Strict):
    kind: FactKind
    occurred_at: datetime = Field(description="when it happened (RFC 3339 with offset), not when it was learnt")
    source_event_id: str | None = Field(default=None, max_length=255, description="replays are recognised by it")
    note: str | None = Field(default=None, max_length=500)


class EvidenceForm(Strict):
    kind: EvidenceKind
    shown_on: date | None = None


class ConsentForm(Strict):
    email: str = Field(min_length=3, max_length=254)
    given_on: date


class DeliveryFailure(BaseModel):
    code: str
    reason: str | None


class DeliveryOut(BaseModel):
    id: str
    notice_id: str
    channel: str
    provider: str
    status: str
    status_at: str | None
    tracking_number: str | None
    provider_reference: str | None
    created_at: str
    price: str | None = Field(default=None, description="what the provider charges, tax included (its answer)")
    currency: str | None = None
    failure: DeliveryFailure | None = Field(default=None, description="why the provider refused it, for good")
    facts: list[dict[str, Any]]
    evidence: list[dict[str, Any]]


class ConsentOut(BaseModel):
    id: str
    status: Literal["recorded"]


def _form(model: type[EvidenceForm] | type[ConsentForm]) -> tuple[Any, bytes]:
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput("Send the file as multipart/form-data field 'file'.", errors=[FieldError("file", "missing")])
    try:
        form = model.model_validate({key: value for key, value in request.form.items() if value != ""})
    except ValidationError as error:
        fields = [FieldError(".".join(map(str, e["loc"])), e["msg"]) for e in error.errors(include_url=False)]
        raise InvalidInput("The form has invalid fields.", errors=fields) from None
    return form, upload.read()


@operation(
    deliveries,
    "/v1/notices/<notice_id>/deliveries",
    "POST",
    "Dispatch an issued notice on a channel through a provider",
    request_model=DeliveryCreate,
    response_model=DeliveryOut,
    status=201,
    idempotent=True,
    creates="delivery_id",
    scope="dispatch",
)
@idempotent
def create_delivery(notice_id: str) -> Response:
    body = parse_json(DeliveryCreate)
    dispatch = DispatchRequest(
        notice_id, body.channel, body.provider, body.tracking_number, body.provider_reference, body.recipient_email
    )
    delivery_id = dispatch_notice(services(), actor(), dispatch)
    location = f"/v1/deliveries/{delivery_id}"
    return json_response(DeliveryOut, get_delivery(services(), actor(), delivery_id), 201, location)


class CostsQuery(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: date = Field(alias="from", description="first day of the period (creation dates, Paris time)")
    to: date = Field(description="last day of the period, inclusive")


class CostLine(BaseModel):
    currency: str
    amount: str


class ProviderCost(BaseModel):
    provider: str
    currency: str
    amount: str
    count: int


class DeliveryCosts(BaseModel):
    from_: str = Field(alias="from")
    to: str
    count: int
    totals: list[CostLine]
    by_provider: list[ProviderCost]


@operation(
    deliveries,
    "/v1/delivery-costs",
    "GET",
    "What the providers charged for the deliveries created in a period",
    response_model=DeliveryCosts,
    query_model=CostsQuery,
)
def read_delivery_costs() -> Response:
    query = parse_query(CostsQuery, "The query has invalid parameters: give from and to as YYYY-MM-DD.")
    return json_response(DeliveryCosts, delivery_costs(services(), actor().tenant_id, query.from_, query.to))


@operation(deliveries, "/v1/deliveries/<delivery_id>", "GET", "Read a delivery", response_model=DeliveryOut)
def read_delivery(delivery_id: str) -> Response:
    return json_response(DeliveryOut, get_delivery(services(), actor(), delivery_id))


@operation(
    deliveries,
    "/v1/deliveries/<delivery_id>/facts",
    "POST",
    "Record a delivery fact by hand (manual provider)",
    request_model=FactCreate,
    response_model=DeliveryOut,
    status=201,
    other_statuses=(200,),
    idempotent=True,
)
@idempotent
def create_fact(delivery_id: str) -> Response:
    body = parse_json(FactCreate)
    fact = ManualFact(body.kind, body.occurred_at, body.source_event_id, body.note)
    recorded = record_delivery_fact(services(), actor(), delivery_id, fact)
    return json_response(DeliveryOut, get_delivery(services(), actor(), delivery_id), 201 if recorded else 200)


@operation(
    deliveries,
    "/v1/deliveries/<delivery_id>/evidence",
    "POST",
    "Upload an evidence file (multipart: file, kind, shown_on)",
    response_model=DeliveryOut,
    status=201,
    form_model=EvidenceForm,
    form_files=("file",),
)
def upload_evidence(delivery_id: str) -> Response:
    form, data = _form(EvidenceForm)
    attach_evidence(services(), actor(), delivery_id, EvidenceFile(form.kind, data, form.shown_on))
    return json_response(DeliveryOut, get_delivery(services(), actor(), delivery_id), 201)


@operation(
    deliveries,
    "/v1/debtors/<debtor_id>/lre-consents",
    "POST",
    "Record a consumer's consent to electronic registered letters (multipart: file, email, given_on)",
    response_model=ConsentOut,
    status=201,
    form_model=ConsentForm,
    form_files=("file",),
)
def create_consent(debtor_id: str) -> Response:
    form, data = _form(ConsentForm)
    consent_id = record_lre_consent(services(), actor(), debtor_id, form.email, form.given_on, data)
    return json_response(ConsentOut, {"id": consent_id, "status": "recorded"}, 201)


@operation(
    deliveries, "/v1/deliveries", "GET", "List deliveries", query_model=DeliveryListQuery, response_model=DeliveryPage
)
def list_deliveries_route() -> Response:
    """The tenant's deliveries, newest first, filtered by status, channel and notice."""
    who = actor()
    query = parse_query(DeliveryListQuery)
    filters = DeliveryFilters(status=query.status, channel=query.channel, notice_id=query.notice_id)
    return json_response(DeliveryPage, list_deliveries(services(), who, filters, query.page()))
