"""Dispatching an issued notice on a channel through a provider: one delivery (a notice may have several).

Checks first: the notice is issued; the provider serves the channel; a tracking number is a valid S10 or
domestic number; an electronic registered letter (LRE) to a consumer needs their recorded consent (C. postes
L100), else the problem suggests the registered letter; the ``email`` provider needs the SMTP mailer, a
postal provider (``merci_facteur``) the tenant's account. One transaction records the delivery, its audit record
and the ``delivery.updated`` event; for ``email`` and ``merci_facteur`` the delivery is ``queued`` and the same
transaction queues the ``dispatch.submit`` message: the worker sends it afterwards (``submission.py``), so a
failed commit sends nothing and a sent letter is always recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.cases import Case
from notice_service.db.models.claims import Debtor
from notice_service.db.models.delivery import Delivery, ElectronicConsent
from notice_service.db.models.notices import Notice
from notice_service.db.models.providers import ProviderAccount
from notice_service.db.outbox import queue_event
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.delivery.facts import Channel, Provider
from notice_service.domain.delivery.tracking_numbers import normalise_tracking_number
from notice_service.errors import Conflict, FieldError, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.delivery.recording import queue_delivery_updated
from notice_service.use_cases.delivery.submission import TOPIC_SUBMIT

#: Which providers can carry which channel.
PROVIDERS: dict[Channel, frozenset[Provider]] = {
    Channel.EMAIL: frozenset({Provider.EMAIL, Provider.MANUAL, Provider.WEBHOOK}),
    Channel.LETTER: frozenset({Provider.MANUAL, Provider.WEBHOOK, Provider.MERCI_FACTEUR}),
    # Maileva (registered_mail v4): registered letters only, sent by the worker like Merci Facteur.
    Channel.REGISTERED_LETTER: frozenset({Provider.MANUAL, Provider.WEBHOOK, Provider.MERCI_FACTEUR, Provider.MAILEVA}),
    Channel.ELECTRONIC_REGISTERED: frozenset(
        {Provider.MANUAL, Provider.WEBHOOK, Provider.MERCI_FACTEUR, Provider.AR24}
    ),
    Channel.BAILIFF: frozenset({Provider.MANUAL, Provider.WEBHOOK}),
}

#: Providers the worker sends through after the transaction (the others record a delivery made elsewhere).
QUEUED_PROVIDERS = frozenset({Provider.EMAIL, Provider.MERCI_FACTEUR, Provider.MAILEVA, Provider.AR24})


@dataclass(frozen=True)
class DispatchRequest:
    notice_id: str
    channel: Channel
    provider: Provider
    tracking_number: str | None = None
    provider_reference: str | None = None
    recipient_email: str | None = None


@dataclass(frozen=True)
class Target:
    notice: Notice
    debtor: Debtor
    recipient: str | None
    case_reference: str


def check_request(request: DispatchRequest) -> str | None:
    if request.provider not in PROVIDERS[request.channel]:
        allowed = ", ".join(sorted(PROVIDERS[request.channel]))
        raise InvalidInput(
            f"The {request.provider.value} provider cannot carry a {request.channel.value} delivery.",
            errors=[FieldError("provider", f"providers for {request.channel.value}: {allowed}")],
        )
    return normalise_tracking_number(request.tracking_number) if request.tracking_number else None


def _require_consent(session: Session, actor: Actor, debtor: Debtor) -> None:
    consent = session.execute(
        select(ElectronicConsent.id).where(
            ElectronicConsent.tenant_id == actor.tenant_id, ElectronicConsent.debtor_id == debtor.id
        )
    ).first()
    if consent is None:
        raise InvalidInput(
            "An electronic registered letter to a consumer needs their recorded consent (C. postes L100); "
            "none is recorded for this debtor. Send a registered letter (channel registered_letter) instead, "
            f"or record the consent with POST /v1/debtors/{debtor.id}/lre-consents.",
            errors=[FieldError("channel", "consent to electronic registered letters missing: use registered_letter")],
            extra={"suggested_channel": Channel.REGISTERED_LETTER.value},
        )


def load_target(services: Services, actor: Actor, request: DispatchRequest) -> Target:
    with services.db.reading() as session:
        notice = get_owned(session, Notice, actor.tenant_id, request.notice_id)
        if notice.status != "issued":
            raise Conflict(
                f"Only an issued notice can be dispatched; this one is {notice.status}.",
                extra={"notice_status": notice.status},
            )
        debtor, case_reference = session.execute(
            select(Debtor, Case.reference).join(Case, Case.debtor_id == Debtor.id).where(Case.id == notice.case_id)
        ).one()
        if request.channel is Channel.ELECTRONIC_REGISTERED and debtor.kind == "consumer":
            _require_consent(session, actor, debtor)
    recipient = request.recipient_email or debtor.email
    if request.channel in (Channel.EMAIL, Channel.ELECTRONIC_REGISTERED) and not recipient:
        raise InvalidInput(
            "The debtor has no e-mail address; give one in recipient_email.",
            errors=[FieldError("recipient_email", "required for e-mail and electronic registered deliveries")],
        )
    return Target(notice, debtor, recipient, case_reference)


def _sent_by_us(request: DispatchRequest) -> bool:
    """E-mail always; a postal provider unless ``provider_reference`` says the letter already left through the
    provider's own interface (then only its events are followed, by webhook)."""
    if request.provider is Provider.EMAIL:
        return True
    return request.provider in QUEUED_PROVIDERS and not request.provider_reference


def require_provider(services: Services, actor: Actor, request: DispatchRequest) -> None:
    """What the worker will need exists: the SMTP mailer, or the tenant's provider account."""
    if request.provider is Provider.EMAIL and services.mailer is None:
        raise InvalidInput(
            "The e-mail provider is not configured on this server (NOTICE_SMTP_HOST).",
            errors=[FieldError("provider", "e-mail sending is not configured")],
        )
    if request.provider is not Provider.EMAIL:
        with services.db.reading() as session:
            account = session.execute(
                select(ProviderAccount.id).where(
                    ProviderAccount.tenant_id == actor.tenant_id, ProviderAccount.provider == request.provider.value
                )
            ).first()
        if account is None:
            raise InvalidInput(
                f"No {request.provider.value} account is configured for this tenant; "
                f"configure it with PUT /v1/providers/{request.provider.value}.",
                errors=[FieldError("provider", f"{request.provider.value} account not configured")],
            )


def dispatch_notice(services: Services, actor: Actor, request: DispatchRequest) -> str:
    tracking_number = check_request(request)
    target = load_target(services, actor, request)
    queued = _sent_by_us(request)
    if queued:
        require_provider(services, actor, request)
    delivery_id = new_id()
    now = services.clock.now()
    with services.db.transaction() as session:
        get_owned(session, Notice, actor.tenant_id, request.notice_id, lock=True)
        delivery = Delivery(
            id=delivery_id,
            tenant_id=actor.tenant_id,
            notice_id=request.notice_id,
            channel=request.channel.value,
            provider=request.provider.value,
            status="queued" if queued else "created",
            tracking_number=tracking_number,
            provider_reference=None if queued else request.provider_reference,
            recipient=target.recipient,
            created_at=now,
        )
        session.add(delivery)
        session.flush()
        data = {"notice_id": request.notice_id, "channel": request.channel.value, "provider": request.provider.value}
        record = actor.record(
            "delivery:created", "delivery", delivery_id, data={**data, "tracking_number": tracking_number}
        )
        audit_repository.append(session, actor.tenant_id, [record], now)
        queue_delivery_updated(session, delivery, now)
        if queued:  # the worker sends it (submission.py), after this commit
            queue_event(
                session, tenant_id=actor.tenant_id, topic=TOPIC_SUBMIT, payload={"delivery_id": delivery_id}, at=now
            )
    return delivery_id
