"""Manual provider: a person records a fact (``POST /v1/deliveries/{id}/facts``) or uploads an evidence file
with the date it shows (``POST /v1/deliveries/{id}/evidence``); a consumer's consent to LRE is recorded with
its evidence. Files are checked and stored WORM before the one transaction that records and audits them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from notice_service.db import audit_repository
from notice_service.db.models.claims import Debtor
from notice_service.db.models.delivery import Delivery, ElectronicConsent
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.audit.records import DocumentRef
from notice_service.domain.deadlines import PARIS
from notice_service.domain.delivery.facts import FACT_PROVEN_BY, Channel, EvidenceKind, Fact, FactKind
from notice_service.errors import FieldError, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.delivery.recording import (
    EvidenceFile,
    IncomingFact,
    Resolve,
    add_evidence_row,
    queue_delivery_updated,
    record_facts,
    require_channel_fact,
    store_evidence,
)


@dataclass(frozen=True)
class ManualFact:
    kind: FactKind
    occurred_at: datetime
    source_event_id: str | None = None
    note: str | None = None


def _load_delivery(services: Services, actor: Actor, delivery_id: str) -> Delivery:
    with services.db.reading() as session:
        return get_owned(session, Delivery, actor.tenant_id, delivery_id)


def _by_id(actor: Actor, delivery_id: str) -> Resolve:
    """People name the delivery by its id (another tenant's is not found)."""
    return lambda session, _i, _item: get_owned(session, Delivery, actor.tenant_id, delivery_id)


def _not_in_future(services: Services, moment: datetime, field: str) -> None:
    if moment > services.clock.now():
        raise InvalidInput("A delivery fact cannot be in the future.", errors=[FieldError(field, "in the future")])


def record_delivery_fact(services: Services, actor: Actor, delivery_id: str, data: ManualFact) -> bool:
    """Record a manual fact; ``False`` when its ``source_event_id`` was already recorded (a replay)."""
    if data.occurred_at.tzinfo is None:
        raise InvalidInput("Give the time with its offset.", errors=[FieldError("occurred_at", "timezone missing")])
    _not_in_future(services, data.occurred_at, "occurred_at")
    source_event_id = data.source_event_id or f"manual:{new_id()}"
    fact = Fact(data.kind, data.occurred_at, source_event_id)
    raw = {"kind": data.kind.value, "occurred_at": data.occurred_at.isoformat(), "note": data.note, "by": actor.id}
    incoming = IncomingFact(fact, raw, detail={"note": data.note})
    return record_facts(services, actor, "manual", [incoming], _by_id(actor, delivery_id)) == 1


def attach_evidence(services: Services, actor: Actor, delivery_id: str, evidence: EvidenceFile) -> str:
    """Store an evidence file; an AR, a deposit proof, a returned envelope or a bailiff's report also records
    the fact it proves, on the date it shows (noon in Paris). Answers the file's sha256."""
    if evidence.shown_on is not None and evidence.shown_on > services.clock.now().astimezone(PARIS).date():
        raise InvalidInput("The date shown cannot be in the future.", errors=[FieldError("shown_on", "in the future")])
    delivery = _load_delivery(services, actor, delivery_id)
    proven = FACT_PROVEN_BY[evidence.kind]
    now = services.clock.now()
    if proven is not None and evidence.shown_on is not None:
        require_channel_fact(Channel(delivery.channel), proven)
        moment = datetime.combine(evidence.shown_on, time(12), PARIS)
        stored = store_evidence(services, evidence)  # checks the file first, reported on ``file``
        fact = Fact(proven, moment, f"evidence:{evidence.kind.value}:{stored.sha256}")
        raw = {"evidence_kind": evidence.kind.value, "shown_on": evidence.shown_on.isoformat(), "sha256": stored.sha256}
        record_facts(services, actor, "manual", [IncomingFact(fact, raw, [evidence])], _by_id(actor, delivery_id))
        return stored.sha256
    stored = store_evidence(services, evidence)
    with services.db.transaction() as session:
        locked = get_owned(session, Delivery, actor.tenant_id, delivery_id, lock=True)
        evidence_id = add_evidence_row(session, locked, stored, None, now)
        record = actor.record(
            "delivery:evidence_added",
            "delivery",
            delivery_id,
            documents=(audit_document(stored.kind, stored.sha256),),
            data={"evidence_id": evidence_id, "kind": stored.kind.value, "media_type": stored.media_type},
        )
        audit_repository.append(session, actor.tenant_id, [record], now)
        queue_delivery_updated(session, locked, now)
    return stored.sha256


def audit_document(kind: EvidenceKind, sha256: str) -> DocumentRef:
    return DocumentRef(kind.value, sha256)


def record_lre_consent(
    services: Services, actor: Actor, debtor_id: str, email: str, given_on: date, evidence: bytes
) -> str:
    """Record a consumer's consent to electronic registered letters with its evidence (a signed form, a scan)."""
    stored = store_evidence(services, EvidenceFile(EvidenceKind.LRE_PROOF, evidence, given_on), "file")
    now = services.clock.now()
    consent_id = new_id()
    with services.db.transaction() as session:
        debtor = get_owned(session, Debtor, actor.tenant_id, debtor_id)
        session.add(
            ElectronicConsent(
                id=consent_id,
                tenant_id=actor.tenant_id,
                debtor_id=debtor.id,
                email=email,
                given_on=given_on,
                evidence_sha256=stored.sha256,
                evidence_key=stored.key,
                created_at=now,
            )
        )
        session.flush()
        record = actor.record(
            "debtor:lre_consent_recorded",
            "debtor",
            debtor.id,
            documents=(audit_document(EvidenceKind.LRE_PROOF, stored.sha256),),
            data={"consent_id": consent_id, "given_on": given_on.isoformat()},
        )
        audit_repository.append(session, actor.tenant_id, [record], now)
    return consent_id
