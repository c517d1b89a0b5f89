"""``send_sms``: text the debtor of a case, within the rules, and record what happened.

Order (nothing half-written): the text is checked (not empty, at most ``MAX_SEGMENTS`` segments), then in
one transaction the case (open, the tenant's), its debtor's mobile number, its opt-out (the debtor's flag or
the number in ``sms_opt_outs``) and, for a consumer, the hours (``domain/sms.py``: working days 08:00 to 20:00
Europe/Paris; outside them ``sms-refused`` with ``not_before``) are checked, then a provider must be configured
(``sms-not-configured``: the embedded profile has none), and the SMS row is written ``sending``. The provider
is asked outside any transaction; a second transaction records the outcome, ``accepted`` with the provider's
message id or ``failed`` with its reason, and audits it (``sms:sent`` / ``sms:failed``: the SHA-256 of the
text, its encoding and segments, never the number). A failure is raised after it is recorded (``sms-failed``).

``idempotency_key`` (a dunning run's item passes its own): an SMS already ``accepted`` under the key is answered
without sending again; one ``failed`` is sent again; one still ``sending`` (a crash between the provider's
answer and the record) is a conflict to resolve by hand (the key is the message's tag at the provider).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.cases import Case
from notice_service.db.models.claims import Debtor
from notice_service.db.models.sms import SmsMessage, SmsOptOut
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.audit.records import JsonValue
from notice_service.domain.deadlines import PARIS, public_holidays
from notice_service.domain.sms import consumer_window_opens, phone_problem, sms_length, text_problem
from notice_service.errors import (
    CaseClosed,
    Conflict,
    FieldError,
    InvalidInput,
    SmsFailed,
    SmsNotConfigured,
    SmsRefused,
)
from notice_service.ports import OutgoingSms, SmsReceipt
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.privacy.redaction import mask_phone_numbers


@dataclass(frozen=True)
class _Prepared:
    sms_id: str
    outgoing: OutgoingSms | None  # None: already accepted under this key, nothing to send


def send_sms(services: Services, actor: Actor, case_id: str, text: str, *, idempotency_key: str | None = None) -> str:
    """Send ``text`` to the debtor of ``case_id``; answer the SMS id (see the module docstring)."""
    problem = text_problem(text)
    if problem is not None:
        raise InvalidInput("The SMS cannot be sent.", errors=[FieldError("text", problem)])
    prepared = _prepare(services, actor, case_id, text, idempotency_key or new_id())
    sender = services.sms_sender
    if prepared.outgoing is None or sender is None:  # _prepare refused to go on without a provider
        return prepared.sms_id
    try:
        receipt = sender.send(prepared.outgoing)
    except SmsFailed as failed:
        _record(services, actor, prepared.sms_id, None, failed.detail)
        raise
    _record(services, actor, prepared.sms_id, receipt, None)
    return prepared.sms_id


def _prepare(services: Services, actor: Actor, case_id: str, text: str, key: str) -> _Prepared:
    now = services.clock.now()
    try:
        with services.db.transaction() as session:
            case = get_owned(session, Case, actor.tenant_id, case_id, lock=True)
            existing = _by_key(session, actor.tenant_id, key)
            if existing is not None and existing.status == "accepted":
                return _Prepared(existing.id, None)
            if existing is not None and existing.status == "sending":
                raise Conflict(
                    f"An SMS under idempotency key {key} was sent but its outcome was not recorded: look for tag "
                    f"{key} in the provider's SMS events.",
                    extra={"sms_id": existing.id},
                )
            debtor = get_owned(session, Debtor, actor.tenant_id, case.debtor_id)
            _check_may_send(session, case, debtor, now)
            if services.sms_sender is None:
                raise SmsNotConfigured(
                    "No SMS provider configured: set NOTICE_SMS_PROVIDER=brevo with NOTICE_SMS_API_KEY and "
                    "NOTICE_SMS_SENDER (the embedded profile sends no SMS)."
                )
            row = existing or _new_row(actor, case, debtor, key, now)
            _fill(row, debtor, text, services, actor, now)
            session.add(row)
            return _Prepared(row.id, OutgoingSms(row.phone, text, key, unicode=row.encoding == "UCS-2"))
    except IntegrityError:
        raise Conflict(f"Another SMS is being sent under idempotency key {key}: retry in a moment.") from None


def _by_key(session: Session, tenant_id: str, key: str) -> SmsMessage | None:
    query = select(SmsMessage).where(SmsMessage.tenant_id == tenant_id, SmsMessage.idempotency_key == key)
    return session.execute(query).scalar_one_or_none()


def _check_may_send(session: Session, case: Case, debtor: Debtor, now: datetime) -> None:
    if case.status == "closed":
        raise CaseClosed(f"The case is closed ({case.closed_reason}): reopen it before sending an SMS.")
    if not debtor.phone or phone_problem(debtor.phone):
        raise SmsRefused(
            f"The debtor has no mobile number: add one (PATCH /v1/debtors/{debtor.id} with phone, E.164).",
            extra={"reason": "no_phone"},
        )
    opted_out = session.execute(
        select(SmsOptOut.id).where(SmsOptOut.tenant_id == debtor.tenant_id, SmsOptOut.phone == debtor.phone)
    ).first()
    if debtor.sms_opt_out or opted_out is not None:
        raise SmsRefused("The debtor asked for no SMS (opt-out): write or call instead.", extra={"reason": "opted_out"})
    if debtor.kind == "consumer":
        local_year = now.astimezone(PARIS).year
        calendar = public_holidays(debtor.postal_code, debtor.country, range(local_year, local_year + 2))
        opens = consumer_window_opens(now, calendar)
        if opens is not None:
            raise SmsRefused(
                f"A consumer is texted only on working days from 08:00 to 20:00 (Europe/Paris): this SMS may go "
                f"from {opens.isoformat()}.",
                extra={"reason": "outside_hours", "not_before": opens.isoformat()},
            )


def _new_row(actor: Actor, case: Case, debtor: Debtor, key: str, now: datetime) -> SmsMessage:
    return SmsMessage(
        id=new_id(),
        tenant_id=actor.tenant_id,
        case_id=case.id,
        debtor_id=debtor.id,
        idempotency_key=key,
        created_at=now,
    )


def _fill(row: SmsMessage, debtor: Debtor, text: str, services: Services, actor: Actor, now: datetime) -> None:
    length = sms_length(text)
    row.phone = debtor.phone or ""
    row.text = text
    row.text_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    row.encoding = length.encoding
    row.segments = length.segments
    row.status = "sending"
    row.provider = services.settings.sms_provider or "custom"
    row.provider_message_id = None
    row.error = None
    row.created_by = f"{actor.kind}:{actor.id}"
    row.sent_at = None


def _record(services: Services, actor: Actor, sms_id: str, receipt: SmsReceipt | None, error: str | None) -> None:
    now = services.clock.now()
    with services.db.transaction() as session:
        row = get_owned(session, SmsMessage, actor.tenant_id, sms_id, lock=True)
        row.status = "accepted" if receipt is not None else "failed"
        row.provider_message_id = receipt.message_id if receipt is not None else None
        row.error = None if error is None else error[:1000]
        row.sent_at = now if receipt is not None else None
        data: dict[str, JsonValue] = {
            "case_id": row.case_id,
            "text_sha256": row.text_sha256,
            "encoding": row.encoding,
            "segments": row.segments,
            "provider": row.provider,
            "provider_message_id": row.provider_message_id,
        }
        if error is not None:
            data["error"] = mask_phone_numbers(row.error or "")  # no number in the audit log (issue 18)
        action = "sms:sent" if receipt is not None else "sms:failed"
        audit_repository.append(session, actor.tenant_id, [actor.record(action, "sms", sms_id, data=data)], now)
