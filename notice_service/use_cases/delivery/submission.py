"""The worker's side of a dispatch: submit a queued delivery to its provider, then follow it.

``dispatch.py`` records the delivery ``queued`` with a ``dispatch.submit`` outbox message in the business
transaction. The worker (outside any transaction) then:

* **e-mail**: sends the signed PDF over SMTP with a Message-ID derived from the delivery id (a retry carries the
  same one, so the receiving side recognises it), then records the ``submitted`` fact with the server's reply;
  a server that is unreachable or answers 4xx is retried by the outbox's back-off, a 5xx (or an impossible
  address) fails the delivery with the server's reply as its reason;
* **a postal provider** (Merci Facteur): builds the submission from the notice's signed PDF, the debtor's
  address and the account's return address, and ``submit``s it with the delivery id as idempotency key. On
  ``ProviderAmbiguous`` it asks ``find`` before anything else (a retry with the same key posts nothing either);
  a retryable ``ProviderError`` is retried by the outbox's backoff, a 429 first stores the account's "not
  before" time that every worker honours (``Deferred``); any other ``ProviderError`` fails the delivery with
  its reason (a ``failed`` fact, audited). The answer's ids, tracking number and price and the ``submitted``
  fact are recorded in one transaction, with a ``dispatch.poll`` message.

``dispatch.poll`` fetches the provider's events and the proofs they announce (stored WORM, audited as
evidence by ``recording.record_facts``, which derives the receipt date and the deadline), and polls again
later until the letter's journey is over.

Fault point (tests only, ``notice_service/faults.py``): ``after-provider-answer`` kills the worker process after
the provider accepted the letter and before our transaction, to prove the restart posts nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from notice_service.db.models.cases import Case
from notice_service.db.models.claims import Debtor
from notice_service.db.models.delivery import Delivery
from notice_service.db.models.notices import Notice
from notice_service.db.outbox import queue_event
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.delivery.facts import Channel, Fact, FactKind
from notice_service.errors import MailFailed
from notice_service.faults import crash_point
from notice_service.ports import (
    PostalAddress,
    ProviderAmbiguous,
    ProviderError,
    Receipt,
    ServiceLevel,
    Submission,
)
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.delivery.email_job import send_email
from notice_service.use_cases.delivery.rate_limit import take_call_slot
from notice_service.use_cases.delivery.recording import PreparedFact, apply_fact, prepare_fact
from notice_service.use_cases.providers.accounts import back_off, load_account

TOPIC_SUBMIT = "dispatch.submit"
TOPIC_POLL = "dispatch.poll"
POLL_EVERY = timedelta(hours=1)
LEVELS = {
    Channel.REGISTERED_LETTER: ServiceLevel.REGISTERED_WITH_RECEIPT,
    Channel.LETTER: ServiceLevel.TRACKED,
    Channel.ELECTRONIC_REGISTERED: ServiceLevel.ELECTRONIC_REGISTERED,
}


class Deferred(Exception):
    """Not now: the worker makes the message available again at ``until`` (a provider account's back-off)."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"deferred until {until.isoformat()}")
        self.until = until


@dataclass(frozen=True)
class _Queued:
    delivery: Delivery
    notice: Notice
    debtor: Debtor
    case_reference: str


def _queued(services: Services, tenant_id: str, delivery_id: str) -> _Queued | None:
    with services.db.reading() as session:
        delivery = get_owned(session, Delivery, tenant_id, delivery_id)
        if delivery.status != "queued":
            return None  # already submitted or failed: a replayed message does nothing
        notice = session.get_one(Notice, delivery.notice_id)
        case = session.get_one(Case, notice.case_id)
        debtor = session.get_one(Debtor, case.debtor_id)
        session.expunge_all()
        return _Queued(delivery, notice, debtor, case.reference)


def submit_delivery(services: Services, tenant_id: str, payload: Mapping[str, Any]) -> None:
    """The ``dispatch.submit`` handler (idempotent: a delivery no longer queued is left alone)."""
    queued = _queued(services, tenant_id, str(payload["delivery_id"]))
    if queued is None:
        return
    if queued.delivery.provider == "email":
        try:
            prepared, reference = send_email(services, queued.delivery, queued.notice)
        except MailFailed as refused:
            if not refused.extra.get("permanent"):
                raise  # unreachable, 4xx: the outbox retries with its back-off (the error kept on the message)
            _fail(services, queued.delivery, ProviderError("smtp-refused", refused.detail))  # 5xx: for good
            return
        _record_submitted(services, queued.delivery, prepared, reference, None)
        return
    _submit_postal(services, queued)


def build_submission(
    services: Services,
    *,
    idempotency_key: str,
    channel: Channel,
    notice: Notice,
    debtor: Debtor,
    email: str | None,
    case_reference: str,
    sender: PostalAddress,
) -> Submission:
    """What a postal provider is sent (or quoted): the notice's signed PDF, the debtor's address and e-mail."""
    recipient = PostalAddress(
        (debtor.name, *debtor.address_lines), debtor.postal_code, debtor.city, debtor.country, email=email
    )
    return Submission(
        idempotency_key=idempotency_key,
        level=LEVELS[channel],
        document=services.store.get(notice.document_key or ""),
        document_name=f"mise-en-demeure-{case_reference}.pdf",
        recipient=recipient,
        sender=sender,
        reference=case_reference,
        consumer=debtor.kind == "consumer",
    )


def _submit_postal(services: Services, queued: _Queued) -> None:
    delivery = queued.delivery
    account = load_account(services, delivery.tenant_id, delivery.provider)
    now = services.clock.now()
    if account.not_before is not None and account.not_before > now:
        raise Deferred(account.not_before)
    if (slot := take_call_slot(services, delivery.tenant_id, delivery.provider)) is not None:
        raise Deferred(slot)  # the account's call rate, shared by all workers (issue 17)
    submission = build_submission(
        services,
        idempotency_key=delivery.id,
        channel=Channel(delivery.channel),
        notice=queued.notice,
        debtor=queued.debtor,
        email=delivery.recipient,
        case_reference=queued.case_reference,
        sender=account.sender,
    )
    try:
        try:
            receipt = account.provider.submit(submission)
        except ProviderAmbiguous:
            found = account.provider.find(submission.idempotency_key)  # taken or not: ask before trying again
            if found is None:
                raise
            receipt = found
    except ProviderError as error:
        if error.code == "rate-limited":
            until = now + timedelta(seconds=error.retry_after_seconds or 60)
            back_off(services, delivery.tenant_id, delivery.provider, until)
            raise Deferred(until) from None
        if error.retryable:
            raise
        _fail(services, delivery, error)
        return
    crash_point("after-provider-answer")  # tests only: the answer came, our commit never does
    prepared = _submitted_fact(services, delivery, receipt)
    _record_submitted(services, delivery, prepared, receipt.provider_reference, receipt)


def _submitted_fact(services: Services, delivery: Delivery, receipt: Receipt) -> PreparedFact:
    fact = Fact(FactKind.SUBMITTED, receipt.submitted_at, f"{delivery.provider}:submitted:{receipt.provider_reference}")
    raw = {
        "provider_reference": receipt.provider_reference,
        "tracking_number": receipt.tracking_number,
        "price": str(receipt.price) if receipt.price is not None else None,
        "answer": receipt.raw.decode("utf-8", "replace"),
    }
    detail = {"provider_reference": receipt.provider_reference, "price": raw["price"]}
    return prepare_fact(services, fact, delivery.provider, raw, detail=detail)


def _record_submitted(
    services: Services, delivery: Delivery, prepared: PreparedFact, reference: str, receipt: Receipt | None
) -> None:
    now = services.clock.now()
    actor = Actor(delivery.tenant_id, "provider", delivery.provider)
    with services.db.transaction() as session:
        locked = get_owned(session, Delivery, delivery.tenant_id, delivery.id, lock=True)
        if locked.status != "queued":
            return
        locked.provider_reference = reference
        if receipt is not None:
            locked.tracking_number = (receipt.tracking_number or "")[:15] or None
            locked.price = str(receipt.price) if receipt.price is not None else None
            locked.currency = "EUR" if receipt.price is not None else None
        apply_fact(session, actor, locked, prepared, now)
        if locked.provider != "email":
            payload = {"delivery_id": locked.id}
            queue_event(session, tenant_id=locked.tenant_id, topic=TOPIC_POLL, payload=payload, at=now + POLL_EVERY)


def _fail(services: Services, delivery: Delivery, error: ProviderError) -> None:
    """The provider refused for good: the delivery is ``failed`` with the reason, shown on it and its facts."""
    now = services.clock.now()
    fact = Fact(FactKind.FAILED, now, f"{delivery.provider}:failed:{delivery.id}")
    reason = error.detail + (f" (field: {error.field_name})" if error.field_name else "")
    raw = {"code": error.code, "detail": error.detail, "field": error.field_name}
    detail = {"code": error.code, "reason": reason, "field": error.field_name}
    prepared = prepare_fact(services, fact, delivery.provider, raw, detail=detail)
    actor = Actor(delivery.tenant_id, "provider", delivery.provider)
    with services.db.transaction() as session:
        locked = get_owned(session, Delivery, delivery.tenant_id, delivery.id, lock=True)
        if locked.status != "queued":
            return
        locked.failure_code, locked.failure_reason = error.code, reason
        apply_fact(session, actor, locked, prepared, now)


def queued_deliveries(services: Services, tenant_id: str) -> list[str]:
    with services.db.reading() as session:
        rows = session.execute(
            select(Delivery.id).where(Delivery.tenant_id == tenant_id, Delivery.status == "queued")
        ).scalars()
        return list(rows)
