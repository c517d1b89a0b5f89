"""``dispatch.poll``: a submitted letter's events and proofs, fetched from its provider.

The provider's status codes become facts through the same tables as its webhooks
(``domain/delivery/provider_events.py``); facts that do not apply to the delivery's channel are left out. The
proofs an event announces (deposit proof, scanned avis de réception) are fetched and recorded as that fact's
evidence: ``recording.record_facts`` stores them WORM, audits them by hash, and derives the receipt date and
the deadline again. Facts already recorded (same source event id) are skipped, so a webhook and a poll of the
same event, or two polls, record it once. The job queues itself again until the journey is over.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db.models.delivery import Delivery, DeliveryEvidence
from notice_service.db.outbox import queue_event
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.delivery.facts import CHANNEL_FACTS, Channel, EvidenceKind, Fact, FactKind
from notice_service.domain.delivery.maileva_statuses import MAILEVA_STATUSES
from notice_service.domain.delivery.provider_events import AR24_STATUSES, MERCI_FACTEUR_STATUSES
from notice_service.ports import PostalProvider, ProofKind, ProviderEvent
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.delivery.rate_limit import take_call_slot
from notice_service.use_cases.delivery.recording import EvidenceFile, IncomingFact, delivery_facts, record_facts
from notice_service.use_cases.delivery.submission import POLL_EVERY, TOPIC_POLL, Deferred
from notice_service.use_cases.providers.accounts import load_account

STATUS_TABLES: dict[str, Mapping[str, FactKind]] = {
    "merci_facteur": MERCI_FACTEUR_STATUSES,
    "maileva": MAILEVA_STATUSES,
    "ar24": AR24_STATUSES,
}
PROOF_EVIDENCE = {
    ProofKind.DEPOSIT: EvidenceKind.DEPOSIT_PROOF,
    ProofKind.RECEIPT: EvidenceKind.ACKNOWLEDGEMENT_OF_RECEIPT,
    ProofKind.RETURNED: EvidenceKind.RETURNED_ENVELOPE,
    ProofKind.REFUSAL: EvidenceKind.LRE_PROOF,
    ProofKind.NEGLIGENCE: EvidenceKind.LRE_PROOF,
}
OVER = frozenset({FactKind.RETURNED, FactKind.REFUSED, FactKind.EXPIRED, FactKind.ACCEPTED, FactKind.FAILED})


def _incoming(provider: PostalProvider, reference: str, event: ProviderEvent, kind: FactKind) -> IncomingFact:
    evidence = []
    for proof_kind in event.proofs:
        proof = provider.proof(reference, proof_kind)
        if proof is not None:
            evidence.append(EvidenceFile(PROOF_EVIDENCE[proof_kind], proof.content, event.occurred_at.date()))
    raw = {"status": event.status, "event": event.raw.decode("utf-8", "replace"), "polled": True}
    return IncomingFact(Fact(kind, event.occurred_at, event.event_id), raw, evidence, {"status": event.status})


def _seen(known: set[str], event: ProviderEvent) -> bool:
    """Recorded already: by a poll (same id), or by the provider's webhook, whose ids end with the same status
    and letter (``merci_facteur:<event name>:<status>:<reference>``)."""
    suffix = f":{event.status}:{event.provider_reference}"
    return event.event_id in known or any(source.endswith(suffix) for source in known)


def poll_delivery(services: Services, tenant_id: str, payload: Mapping[str, Any]) -> None:
    """Record what the provider reports that we do not have yet; poll again later unless it is over."""
    with services.db.reading() as session:
        delivery = get_owned(session, Delivery, tenant_id, str(payload["delivery_id"]))
        known = {fact.source_event_id for fact in delivery_facts(session, delivery.id)}
        session.expunge(delivery)
    if delivery.provider_reference is None or delivery.status in ("queued", "failed", "cancelled"):
        return
    account = load_account(services, tenant_id, delivery.provider)
    if (slot := take_call_slot(services, tenant_id, delivery.provider)) is not None:
        raise Deferred(slot)  # the account's call rate, shared by all workers (issue 17)
    table, allowed = STATUS_TABLES[delivery.provider], CHANNEL_FACTS[Channel(delivery.channel)]
    incoming = []
    for event in account.provider.events(delivery.provider_reference):
        kind = table.get(event.status)
        if kind is None or kind not in allowed or _seen(known, event):
            continue
        known.add(event.event_id)
        incoming.append(_incoming(account.provider, delivery.provider_reference, event, kind))
    if incoming:
        actor = Actor(tenant_id, "provider", delivery.provider)
        record_facts(services, actor, delivery.provider, incoming, lambda _session, _i, _item: delivery)
    _again(services, tenant_id, delivery.id)


def _again(services: Services, tenant_id: str, delivery_id: str) -> None:
    now = services.clock.now()
    with services.db.transaction() as session:
        delivery = get_owned(session, Delivery, tenant_id, delivery_id)
        facts = delivery_facts(session, delivery_id)
        over = any(fact.kind in OVER for fact in facts)
        if delivery.channel == Channel.REGISTERED_LETTER.value:  # delivered: over once the signed AR is in
            over = over or _has_receipt_proof(session, delivery_id)
        elif any(fact.kind is FactKind.DELIVERED for fact in facts):
            over = True
        if not over:
            payload = {"delivery_id": delivery_id}
            queue_event(session, tenant_id=tenant_id, topic=TOPIC_POLL, payload=payload, at=now + POLL_EVERY)


def _has_receipt_proof(session: Session, delivery_id: str) -> bool:
    found = session.execute(
        select(DeliveryEvidence.id).where(
            DeliveryEvidence.delivery_id == delivery_id,
            DeliveryEvidence.kind == EvidenceKind.ACKNOWLEDGEMENT_OF_RECEIPT.value,
        )
    ).first()
    return found is not None
