"""Read models of deliveries: one delivery with its facts and evidence hashes, and a notice's deliveries with
its receipt (actual or deemed) and deadline, for ``GET /v1/deliveries/{id}`` and the case."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db.models.delivery import Delivery, DeliveryEvidence, DeliveryFact, NoticeDeadline
from notice_service.db.tenant_scope import get_owned
from notice_service.services import Services
from notice_service.use_cases.actor import Actor


def load_facts(session: Session, delivery_id: str) -> list[DeliveryFact]:
    """A delivery's facts in the order they happened."""
    query = select(DeliveryFact).where(DeliveryFact.delivery_id == delivery_id)
    return list(session.execute(query.order_by(DeliveryFact.occurred_at)).scalars())


def load_evidence(session: Session, delivery_id: str) -> list[DeliveryEvidence]:
    """A delivery's evidence files in the order they were received."""
    query = select(DeliveryEvidence).where(DeliveryEvidence.delivery_id == delivery_id)
    return list(session.execute(query.order_by(DeliveryEvidence.created_at, DeliveryEvidence.id)).scalars())


def _provider_json(delivery: Delivery) -> dict[str, Any]:
    """What a provider's answer added: its price, and why it refused the letter for good."""
    failure = {"code": delivery.failure_code, "reason": delivery.failure_reason} if delivery.failure_code else None
    return {"price": delivery.price, "currency": delivery.currency, "failure": failure}


def _delivery_json(session: Session, delivery: Delivery) -> dict[str, Any]:
    facts = load_facts(session, delivery.id)
    evidence = load_evidence(session, delivery.id)
    return {
        "id": delivery.id,
        "notice_id": delivery.notice_id,
        "channel": delivery.channel,
        "provider": delivery.provider,
        "status": delivery.status,
        "status_at": delivery.status_at.isoformat() if delivery.status_at else None,
        "tracking_number": delivery.tracking_number,
        "provider_reference": delivery.provider_reference,
        "created_at": delivery.created_at.isoformat(),
        **_provider_json(delivery),
        "facts": [
            {
                "id": f.id,
                "kind": f.kind,
                "occurred_at": f.occurred_at.isoformat(),
                "recorded_at": f.recorded_at.isoformat(),
                "source": f.source,
                "source_event_id": f.source_event_id,
                "payload_sha256": f.payload_sha256,
                "detail": f.detail,
            }
            for f in facts
        ],
        "evidence": [
            {
                "id": e.id,
                "kind": e.kind,
                "shown_on": e.shown_on.isoformat() if e.shown_on else None,
                "media_type": e.media_type,
                "sha256": e.sha256,
                "size": e.size,
                "fact_id": e.fact_id,
            }
            for e in evidence
        ],
    }


def get_delivery(services: Services, actor: Actor, delivery_id: str) -> dict[str, Any]:
    with services.db.reading() as session:
        return _delivery_json(session, get_owned(session, Delivery, actor.tenant_id, delivery_id))


def receipt_json(deadline: NoticeDeadline | None) -> dict[str, Any] | None:
    if deadline is None:
        return None
    return {
        "receipt_date": deadline.receipt_on.isoformat(),
        "receipt": "deemed" if deadline.receipt_deemed else "actual",
        "deadline_date": deadline.deadline_on.isoformat(),
        "deadline_expired": deadline.expired_at is not None,
    }


def notice_deliveries(session: Session, notice_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per notice id: its deliveries and its receipt/deadline (``None`` while unknown)."""
    result: dict[str, dict[str, Any]] = {}
    for notice_id in notice_ids:
        deliveries = session.execute(
            select(Delivery).where(Delivery.notice_id == notice_id).order_by(Delivery.created_at)
        ).scalars()
        result[notice_id] = {
            "deliveries": [_delivery_json(session, d) for d in deliveries],
            "receipt": receipt_json(session.get(NoticeDeadline, notice_id)),
        }
    return result


def delivery_subjects(session: Session, notice_ids: Sequence[str]) -> list[tuple[str, str]]:
    """The audit subjects of the notices' deliveries, for the case timeline."""
    if not notice_ids:
        return []
    ids = session.execute(select(Delivery.id).where(Delivery.notice_id.in_(notice_ids))).scalars()
    return [("delivery", delivery_id) for delivery_id in ids]
