"""What a purge removes, table by table, inside the purge's transaction (``purge.py``).

Each function takes the purged debtor's ids and blanks the columns that hold personal data: identity, address,
e-mail, phone, the texts of SMS, call notes and callers, promise and pause notes, dispute summaries, closing
notes, payment references and credit-note reasons, document titles, delivery recipients and the free text of
provider facts and events. Amounts, dates, ids, statuses and SHA-256 digests stay: the accounts and the audit
log (which names free text only by digest) keep adding up. Kept on purpose: ``sms_opt_outs`` (the number that
objected to SMS, RGPD art. 21: honouring the objection needs it) and ``tenants``/``users`` (not the debtor's).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, or_, select, update
from sqlalchemy.orm import Session

from notice_service.db.models.calls import CaseCall
from notice_service.db.models.case_documents import CaseDispute, CaseDocument
from notice_service.db.models.cases import Case
from notice_service.db.models.claims import CreditNote, Debtor, Invoice, Payment
from notice_service.db.models.delivery import Delivery, DeliveryFact, ElectronicConsent
from notice_service.db.models.dossier import Dossier
from notice_service.db.models.events import Event
from notice_service.db.models.idempotency import IdempotencyKey
from notice_service.db.models.notices import Notice
from notice_service.db.models.outbox import OutboxMessage
from notice_service.db.models.pauses import CasePause
from notice_service.db.models.sms import SmsMessage
from notice_service.db.models.webhooks import WebhookDelivery

PLACEHOLDER = "[données personnelles effacées]"
"""The tombstone name a purged debtor (and a purged caller) keeps."""

#: keys of event, fact and letter JSON whose values may be personal data (free text or identity)
PERSONAL_KEYS = frozenset(
    {"name", "siren", "email", "phone", "address", "address_lines", "postal_code", "city", "note", "notes", "text"}
    | {"recipient", "caller", "summary", "title", "failure_reason", "error", "reference", "signed_by", "signatory"}
)
_SLUG = re.compile(r"^[a-z_]{1,32}$")  # a ``reason`` that is a code (``paid``, ``fully_credited``) is no free text


@dataclass(frozen=True)
class Purged:
    """The ids of what one debtor's purge touches."""

    tenant_id: str
    debtor_id: str
    case_ids: tuple[str, ...]
    invoice_ids: tuple[str, ...]
    notice_ids: tuple[str, ...]
    delivery_ids: tuple[str, ...]

    @property
    def all_ids(self) -> tuple[str, ...]:
        return (self.debtor_id, *self.case_ids, *self.invoice_ids, *self.notice_ids, *self.delivery_ids)


def debtor_rows(session: Session, tenant_id: str, debtor_id: str) -> Purged:
    """The ids of one debtor's rows: its cases (oldest first), its invoices (a case holds only its debtor's,
    ``cases/open.py``), the cases' notices and their deliveries."""
    cases = session.execute(
        select(Case.id).where(Case.debtor_id == debtor_id).order_by(Case.created_at, Case.id)
    ).scalars()
    case_ids = tuple(cases)
    invoices = session.execute(select(Invoice.id).where(Invoice.debtor_id == debtor_id)).scalars()
    notices = tuple(session.execute(select(Notice.id).where(Notice.case_id.in_(case_ids))).scalars())
    deliveries = tuple(session.execute(select(Delivery.id).where(Delivery.notice_id.in_(notices))).scalars())
    return Purged(tenant_id, debtor_id, case_ids, tuple(sorted(invoices)), notices, deliveries)


def scrub_json(value: Any) -> Any:
    """``value`` with every personal key's value blanked (recursively)."""
    if isinstance(value, dict):
        return {key: _blank(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub_json(item) for item in value]
    return value


def _blank(key: str, value: Any) -> Any:
    if key in PERSONAL_KEYS and value is not None:
        return [] if isinstance(value, list) else None
    if key == "reason" and isinstance(value, str) and not _SLUG.match(value):
        return None
    return scrub_json(value)


def scrub_identity(session: Session, target: Purged, now: datetime) -> None:
    """The debtor's identity, address, e-mail and phone; its cases' closing notes; the tombstones."""
    session.execute(
        update(Debtor)
        .where(Debtor.id == target.debtor_id)
        .values(name=PLACEHOLDER, siren=None, address_lines=[], postal_code="", city="", email=None, phone=None)
        .values(purged_at=now)
    )
    session.execute(update(Case).where(Case.id.in_(target.case_ids)).values(closed_note=None, purged_at=now))
    session.execute(update(Payment).where(Payment.invoice_id.in_(target.invoice_ids)).values(reference=None))
    session.execute(update(CreditNote).where(CreditNote.invoice_id.in_(target.invoice_ids)).values(reason=None))
    session.execute(update(ElectronicConsent).where(ElectronicConsent.debtor_id == target.debtor_id).values(email=""))


def scrub_follow_up(session: Session, target: Purged) -> None:
    """Calls (caller, notes), promises and pauses (notes), disputes (summaries), documents (titles), SMS."""
    cases = target.case_ids
    session.execute(update(CaseCall).where(CaseCall.case_id.in_(cases)).values(caller=PLACEHOLDER, notes=None))
    session.execute(update(CasePause).where(CasePause.case_id.in_(cases)).values(note=None))
    session.execute(update(CaseDispute).where(CaseDispute.case_id.in_(cases)).values(summary=""))
    session.execute(update(CaseDocument).where(CaseDocument.case_id.in_(cases)).values(title=None))
    session.execute(update(Dossier).where(Dossier.case_id.in_(cases)).values(override_reason=None))
    session.execute(
        update(SmsMessage)
        .where(or_(SmsMessage.case_id.in_(cases), SmsMessage.debtor_id == target.debtor_id))
        .values(phone="", text="", error=None)
    )


def scrub_letters(session: Session, target: Purged) -> None:
    """The notices' frozen debtor block and missing-mention texts; deliveries' recipients and provider facts."""
    for notice in session.execute(select(Notice).where(Notice.id.in_(target.notice_ids))).scalars():
        debtor = notice.letter_data.get("debtor") or {}
        notice.letter_data = {**notice.letter_data, "debtor": {**scrub_json(debtor), "name": PLACEHOLDER}}
        if notice.completeness and notice.completeness.get("missing"):
            missing = [{"id": item.get("id")} for item in notice.completeness["missing"]]
            notice.completeness = {**notice.completeness, "missing": missing}
    session.execute(
        update(Delivery).where(Delivery.id.in_(target.delivery_ids)).values(recipient=None, failure_reason=None)
    )
    for fact in session.execute(
        select(DeliveryFact).where(DeliveryFact.delivery_id.in_(target.delivery_ids))
    ).scalars():
        fact.detail = scrub_json(fact.detail)


def mentioning(column: Any, ids: Iterable[str]) -> Any:
    """Rows whose JSON or text ``column`` names one of ``ids`` (ids are UUIDs: no false match)."""
    return or_(*(cast(column, String).like(f"%{one}%") for one in ids))


def scrub_feeds(session: Session, target: Purged) -> None:
    """Events, outbox messages and webhook bodies naming the debtor's rows; idempotent responses naming them
    are forgotten (a replay of a years-old key would otherwise answer the personal data)."""
    ids, tenant = target.all_ids, target.tenant_id
    for event in session.execute(select(Event).where(Event.tenant_id == tenant, mentioning(Event.data, ids))).scalars():
        event.data = scrub_json(event.data)
    outbox = select(OutboxMessage).where(OutboxMessage.tenant_id == tenant, mentioning(OutboxMessage.payload, ids))
    for message in session.execute(outbox).scalars():
        message.payload = scrub_json(message.payload)
    bodies = select(WebhookDelivery).where(WebhookDelivery.tenant_id == tenant, mentioning(WebhookDelivery.body, ids))
    for delivery in session.execute(bodies).scalars():
        delivery.body = json.dumps(scrub_json(json.loads(delivery.body)), ensure_ascii=False)
    session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.tenant_id == tenant, mentioning(IdempotencyKey.response_body, ids))
    )
