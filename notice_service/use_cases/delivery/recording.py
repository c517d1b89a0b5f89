"""Recording delivery facts, shared by every provider (manual, e-mail, webhook, Merci Facteur).

``record_facts`` owns the whole sequence: resolve each fact's delivery, check the fact fits its channel, store
the payloads and evidence WORM, then record them all in one transaction (or none). The entry points
(``manual.py`` for people, ``inbound.py`` for provider events) only turn their input into ``IncomingFact``s
and say how a delivery is found; ``dispatch.py`` records the e-mail's ``submitted`` fact with ``apply_fact``
inside the transaction that creates the delivery.

Before the transaction: the raw payload (canonical JSON) and each evidence file are stored WORM
(content-addressed, so a replay rewrites nothing). In the caller's transaction: a fact whose source event id
the delivery already has is a duplicate and changes nothing; otherwise the fact and its evidence rows are
inserted, the delivery's status becomes its latest fact by occurrence, the notice's receipt and deadline
are derived again, and the audit record and the ``delivery.updated`` event are written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import rfc8785
from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.cases import Case
from notice_service.db.models.claims import Debtor
from notice_service.db.models.delivery import Delivery, DeliveryEvidence, DeliveryFact, NoticeDeadline
from notice_service.db.models.notices import Notice
from notice_service.db.outbox import queue_event
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.audit.records import DocumentRef, JsonValue, RecordDraft
from notice_service.domain.delivery.facts import (
    CHANNEL_FACTS,
    Channel,
    EvidenceKind,
    Fact,
    FactKind,
    current_fact,
    derive_deadline,
    derive_receipt,
    earliest_receipt,
)
from notice_service.errors import FieldError, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.uploads import checked_media_type


@dataclass(frozen=True)
class EvidenceFile:
    kind: EvidenceKind
    data: bytes
    shown_on: date | None = None


@dataclass(frozen=True)
class StoredEvidence:
    kind: EvidenceKind
    shown_on: date | None
    media_type: str
    sha256: str
    size: int
    key: str


@dataclass(frozen=True)
class PreparedFact:
    """A fact with its raw payload and evidence already stored WORM, ready for the transaction."""

    fact: Fact
    source: str
    payload_key: str
    payload_sha256: str
    evidence: tuple[StoredEvidence, ...]
    detail: Mapping[str, JsonValue]


@dataclass(frozen=True)
class IncomingFact:
    """A fact as an entry point hands it over: what happened, the raw payload kept as its evidence, evidence
    files, a detail for the read model, and the request field a wrong channel is reported on."""

    fact: Fact
    raw_payload: Mapping[str, object]
    evidence: Sequence[EvidenceFile] = ()
    detail: Mapping[str, JsonValue] | None = None
    field: str = "kind"


Resolve = Callable[[Session, int, IncomingFact], Delivery]
"""How an entry point finds the delivery of its ``i``-th fact (in a read session); raises ``NotFound``."""


def record_facts(
    services: Services, actor: Actor, source: str, incoming: Sequence[IncomingFact], resolve: Resolve
) -> int:
    """Resolve → check → store → one transaction; answers how many facts were new (the others were replays)."""
    with services.db.reading() as session:
        targets = [resolve(session, i, item) for i, item in enumerate(incoming)]
    for item, delivery in zip(incoming, targets, strict=True):
        require_channel_fact(Channel(delivery.channel), item.fact.kind, item.field)
    prepared = [
        prepare_fact(services, item.fact, source, item.raw_payload, item.evidence, item.detail) for item in incoming
    ]
    now = services.clock.now()
    recorded = 0
    with services.db.transaction() as session:
        for delivery, fact in zip(targets, prepared, strict=True):
            locked = get_owned(session, Delivery, delivery.tenant_id, delivery.id, lock=True)
            recorded += apply_fact(session, actor, locked, fact, now)
    return recorded


def store_evidence(services: Services, evidence: EvidenceFile, field: str = "file") -> StoredEvidence:
    """Check (magic bytes, size cap, unsafe content) and store one evidence file WORM."""
    media_type = checked_media_type(services, evidence.data, field, noun="Evidence files")
    stored = services.store.put(evidence.data, content_type=media_type, document_class="evidence")
    return StoredEvidence(evidence.kind, evidence.shown_on, media_type, stored.sha256, stored.size, stored.key)


def prepare_fact(
    services: Services,
    fact: Fact,
    source: str,
    raw_payload: Mapping[str, object],
    evidence: Sequence[EvidenceFile] = (),
    detail: Mapping[str, JsonValue] | None = None,
) -> PreparedFact:
    """Store the raw payload (RFC 8785 JSON) and the evidence files WORM; nothing is recorded yet."""
    canonical = rfc8785.dumps(dict(raw_payload))  # type: ignore[arg-type]  # JSON values by contract
    stored = services.store.put(canonical, content_type="application/json", document_class="evidence")
    files = tuple(store_evidence(services, item, f"evidence[{i}]") for i, item in enumerate(evidence))
    return PreparedFact(fact, source, stored.key, hashlib.sha256(canonical).hexdigest(), files, dict(detail or {}))


def delivery_facts(session: Session, delivery_id: str) -> list[Fact]:
    rows = session.execute(select(DeliveryFact).where(DeliveryFact.delivery_id == delivery_id)).scalars()
    return [Fact(FactKind(row.kind), row.occurred_at, row.source_event_id) for row in rows]


def refresh_deadline(session: Session, notice: Notice) -> NoticeDeadline | None:
    """Derive the notice's receipt (over all its deliveries) and deadline again; store them."""
    deliveries = session.execute(select(Delivery).where(Delivery.notice_id == notice.id)).scalars().all()
    receipt = earliest_receipt(derive_receipt(Channel(d.channel), delivery_facts(session, d.id)) for d in deliveries)
    debtor = session.execute(
        select(Debtor).join(Case, Case.debtor_id == Debtor.id).where(Case.id == notice.case_id)
    ).scalar_one()
    days = int(notice.options.get("deadline_days", 8))
    derived = derive_deadline(receipt, days, postal_code=debtor.postal_code, country=debtor.country)
    row = session.get(NoticeDeadline, notice.id)
    if derived is None:
        if row is not None:
            session.delete(row)
        return None
    if row is None:
        row = NoticeDeadline(notice_id=notice.id, tenant_id=notice.tenant_id)
        session.add(row)
    if row.deadline_on != derived.deadline:
        row.expired_at = None
    row.receipt_on, row.receipt_deemed, row.deadline_on = derived.receipt.on, derived.receipt.deemed, derived.deadline
    return row


def apply_fact(session: Session, actor: Actor, delivery: Delivery, prepared: PreparedFact, now: datetime) -> bool:
    """Record ``prepared`` on ``delivery`` (locked by the caller); ``False`` when it is a duplicate."""
    known = delivery_facts(session, delivery.id)
    if any(f.source_event_id == prepared.fact.source_event_id for f in known):
        return False
    fact_id = _insert_fact(session, delivery, prepared, now)
    latest = current_fact([*known, prepared.fact]) or prepared.fact
    delivery.status, delivery.status_at = latest.kind.value, latest.occurred_at
    deadline = refresh_deadline(session, session.get_one(Notice, delivery.notice_id))
    record = _fact_record(actor, delivery, prepared, fact_id, deadline)
    audit_repository.append(session, delivery.tenant_id, [record], now)
    queue_delivery_updated(session, delivery, now)
    return True


def _insert_fact(session: Session, delivery: Delivery, prepared: PreparedFact, now: datetime) -> str:
    """The fact's row and its evidence rows; answers the fact's id."""
    fact_id = new_id()
    fact = prepared.fact
    session.add(
        DeliveryFact(
            id=fact_id,
            tenant_id=delivery.tenant_id,
            delivery_id=delivery.id,
            kind=fact.kind.value,
            occurred_at=fact.occurred_at,
            recorded_at=now,
            source=prepared.source,
            source_event_id=fact.source_event_id,
            payload_key=prepared.payload_key,
            payload_sha256=prepared.payload_sha256,
            detail=dict(prepared.detail),
        )
    )
    session.flush()
    for item in prepared.evidence:
        add_evidence_row(session, delivery, item, fact_id, now)
    return fact_id


def _fact_record(
    actor: Actor, delivery: Delivery, prepared: PreparedFact, fact_id: str, deadline: NoticeDeadline | None
) -> RecordDraft:
    """The ``delivery:fact_recorded`` audit record: the raw payload and evidence by hash, the new status and
    the receipt and deadline derived again."""
    fact = prepared.fact
    documents = (
        DocumentRef("provider_payload", prepared.payload_sha256),
        *(DocumentRef(item.kind.value, item.sha256) for item in prepared.evidence),
    )
    data: dict[str, JsonValue] = {
        "notice_id": delivery.notice_id,
        "fact_id": fact_id,
        "kind": fact.kind.value,
        "occurred_at": fact.occurred_at.isoformat(),
        "source": prepared.source,
        "source_event_id": fact.source_event_id,
        "status": delivery.status,
        **_deadline_data(deadline),
    }
    return actor.record("delivery:fact_recorded", "delivery", delivery.id, documents=documents, data=data)


def _deadline_data(deadline: NoticeDeadline | None) -> dict[str, JsonValue]:
    if deadline is None:
        return {}
    return {
        "receipt_on": deadline.receipt_on.isoformat(),
        "receipt_deemed": deadline.receipt_deemed,
        "deadline_on": deadline.deadline_on.isoformat(),
    }


def add_evidence_row(
    session: Session, delivery: Delivery, item: StoredEvidence, fact_id: str | None, now: datetime
) -> str:
    evidence_id = new_id()
    session.add(
        DeliveryEvidence(
            id=evidence_id,
            tenant_id=delivery.tenant_id,
            delivery_id=delivery.id,
            fact_id=fact_id,
            kind=item.kind.value,
            shown_on=item.shown_on,
            media_type=item.media_type,
            sha256=item.sha256,
            size=item.size,
            document_key=item.key,
            created_at=now,
        )
    )
    return evidence_id


def queue_delivery_updated(session: Session, delivery: Delivery, now: datetime) -> None:
    queue_event(
        session,
        tenant_id=delivery.tenant_id,
        topic="delivery.updated",
        payload={"delivery_id": delivery.id, "notice_id": delivery.notice_id, "status": delivery.status},
        at=now,
    )


def require_channel_fact(channel: Channel, kind: FactKind, field: str = "kind") -> None:
    """``InvalidInput`` on ``field`` when a fact of ``kind`` cannot happen on a delivery of ``channel``."""
    if kind not in CHANNEL_FACTS[channel]:
        allowed = ", ".join(sorted(CHANNEL_FACTS[channel]))
        raise InvalidInput(
            f"A {kind.value} fact does not apply to a {channel.value} delivery.",
            errors=[FieldError(field, f"facts of a {channel.value} delivery: {allowed}")],
        )
