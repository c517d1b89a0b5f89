"""Inbound provider webhooks (no API key: each request is authenticated by the tenant's webhook secret).

``POST /v1/providers/webhook/events?tenant=<tenant id>``: Standard Webhooks signed JSON in our own format::

    {"events": [{"id": "evt-1", "delivery_id": "…" | "tracking_number": "…" | "provider_reference": "…",
                 "fact": "delivered" | "laposte_code": "DI1", "occurred_at": "2026-12-03T10:00:00+01:00",
                 "evidence": [{"kind": "acknowledgement_of_receipt", "content_base64": "…"}]}]}

``POST /v1/providers/merci_facteur/events?tenant=<tenant id>``: Merci Facteur's form-encoded ``event`` and
``detail`` with its ``X-Mf-Webhook-Secret-Key`` header.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, request
from pydantic import BaseModel, Field, ValidationError

from notice_service.domain.delivery.facts import EvidenceKind, Fact, FactKind
from notice_service.domain.delivery.provider_events import (
    InlineEvidence,
    ProviderEvent,
    la_poste_fact,
    parse_merci_facteur,
)
from notice_service.errors import FieldError, InvalidInput, Unauthenticated, UnsupportedMediaType
from notice_service.use_cases.delivery.inbound import (
    record_provider_events,
    verify_merci_facteur_key,
    verify_standard_signature,
)
from notice_service.web.context import services
from notice_service.web.nul import refuse_nul
from notice_service.web.openapi import operation
from notice_service.web.problems import from_validation_error
from notice_service.web.schemas import Strict

provider_webhooks = Blueprint("provider_webhooks", __name__, url_prefix="/v1/providers")


class InboundEvidence(Strict):
    kind: EvidenceKind
    content_base64: str


class InboundEvent(Strict):
    id: str = Field(min_length=1, max_length=200, description="the provider's event id; replays are ignored")
    delivery_id: str | None = None
    tracking_number: str | None = None
    provider_reference: str | None = None
    fact: FactKind | None = None
    laposte_code: str | None = Field(default=None, description="La Poste Suivi v2 code when only that is known")
    occurred_at: datetime
    evidence: list[InboundEvidence] = Field(default_factory=list, max_length=5)


class InboundEvents(Strict):
    events: list[InboundEvent] = Field(min_length=1, max_length=100)


class ProviderQuery(BaseModel):
    """Providers name the tenant in the query string (their webhook URL is per tenant)."""

    tenant: str = Field(description="the tenant id the events belong to")


class MerciFacteurForm(BaseModel):
    """Merci Facteur's form-encoded webhook: two JSON texts."""

    event: str = Field(description="JSON object with name_event and date_event (Unix seconds)")
    detail: str = Field(description="JSON list of the letters concerned")


class InboundResultOut(BaseModel):
    recorded: int
    duplicates: int


def _tenant() -> str:
    tenant = request.args.get("tenant", "")
    if not tenant:
        raise Unauthenticated("Name the tenant in the query string: ?tenant=<tenant id>.")
    return tenant


def _to_provider_event(position: int, event: InboundEvent) -> ProviderEvent:
    if (event.fact is None) == (event.laposte_code is None) or event.occurred_at.tzinfo is None:
        raise InvalidInput(
            "Each event has either a fact or a laposte_code, and a time with its offset.",
            errors=[FieldError(f"events[{position}]", "exactly one of fact, laposte_code; occurred_at with offset")],
        )
    kind = event.fact or la_poste_fact(event.laposte_code or "")
    files = []
    for item in event.evidence:
        try:
            files.append(InlineEvidence(item.kind, base64.b64decode(item.content_base64, validate=True)))
        except (binascii.Error, ValueError):
            raise InvalidInput(
                "Evidence is not base64.", errors=[FieldError(f"events[{position}]", "bad base64")]
            ) from None
    raw: dict[str, Any] = event.model_dump(mode="json", exclude={"evidence"})
    raw["evidence_kinds"] = [item.kind.value for item in event.evidence]
    return ProviderEvent(
        Fact(kind, event.occurred_at, f"webhook:{event.id}"),
        event.delivery_id,
        event.provider_reference,
        event.tracking_number,
        tuple(files),
        raw,
    )


def _answer(recorded: int, duplicates: int) -> Response:
    body = InboundResultOut(recorded=recorded, duplicates=duplicates).model_dump_json()
    return Response(body, status=200, mimetype="application/json")


@operation(
    provider_webhooks,
    "/webhook/events",
    "POST",
    "Receive delivery facts from any provider (Standard Webhooks signature, our JSON)",
    request_model=InboundEvents,
    response_model=InboundResultOut,
    authenticated=False,
    query_model=ProviderQuery,
    signature_headers=("webhook-id", "webhook-timestamp", "webhook-signature"),
)
def receive_events() -> Response:
    tenant_id, body = _tenant(), request.get_data(cache=True)
    verify_standard_signature(services(), tenant_id, {k.lower(): v for k, v in request.headers.items()}, body)
    try:
        decoded = json.loads(body)
        refuse_nul(decoded)
        parsed = InboundEvents.model_validate(decoded)
    except json.JSONDecodeError:
        raise InvalidInput("The body is not JSON.", errors=[FieldError("body", "not JSON")]) from None
    except ValidationError as error:
        return from_validation_error(error)
    events = [_to_provider_event(i, event) for i, event in enumerate(parsed.events)]
    result = record_provider_events(services(), tenant_id, "webhook", events)
    return _answer(result.recorded, result.duplicates)


@operation(
    provider_webhooks,
    "/merci_facteur/events",
    "POST",
    "Receive Merci Facteur webhooks (form-encoded event and detail, X-Mf-Webhook-Secret-Key)",
    response_model=InboundResultOut,
    authenticated=False,
    query_model=ProviderQuery,
    form_model=MerciFacteurForm,
    form_media="application/x-www-form-urlencoded",
    signature_headers=("X-Mf-Webhook-Secret-Key",),
)
def receive_merci_facteur() -> Response:
    tenant_id = _tenant()
    verify_merci_facteur_key(services(), tenant_id, request.headers.get("X-Mf-Webhook-Secret-Key"))
    if request.mimetype != "application/x-www-form-urlencoded":
        raise UnsupportedMediaType("Merci Facteur posts application/x-www-form-urlencoded bodies.")
    events = parse_merci_facteur(request.form.to_dict())
    result = record_provider_events(services(), tenant_id, "merci_facteur", events)
    return _answer(result.recorded, result.duplicates)
