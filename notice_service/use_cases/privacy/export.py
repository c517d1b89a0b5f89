"""The right of access (RGPD art. 15): a ZIP of everything held about one debtor, audited.

``debtor.json``, ``invoices.json``, ``payments.json``, ``credit_notes.json``, ``cases.json`` (with their invoice
links), ``notices.json``, ``deliveries.json`` (with their facts and evidence), ``events.json``, ``calls.json``,
``sms.json``, ``promises.json`` (the cases' promises and pauses), ``disputes.json``, ``documents.json``,
``consents.json``, ``purges.json``, ``dossiers.json`` (the cases' dossiers: findings, layout), ``webhooks.json``
(the webhook deliveries whose body names the debtor's rows, with their attempts), and ``letters/<notice id>.pdf``
for each issued letter. Every row is given whole, as stored (dates ISO, amounts as strings). Entry names are
fixed or built from ids the service made (UUIDs), never from user text, so none can climb out of the folder it is
extracted into. The export is audited (``debtor:exported``, naming the ZIP by its SHA-256 and the letters by
theirs) once the ZIP is built.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.base import Base
from notice_service.db.models.calls import CaseCall
from notice_service.db.models.case_documents import CaseDispute, CaseDocument
from notice_service.db.models.cases import Case, CaseInvoice
from notice_service.db.models.claims import CreditNote, Debtor, Invoice, Payment
from notice_service.db.models.delivery import Delivery, DeliveryEvidence, DeliveryFact, ElectronicConsent
from notice_service.db.models.dossier import Dossier
from notice_service.db.models.events import Event
from notice_service.db.models.notices import Notice
from notice_service.db.models.pauses import CasePause
from notice_service.db.models.privacy import PrivacyPurge
from notice_service.db.models.sms import SmsMessage
from notice_service.db.models.webhooks import WebhookAttempt, WebhookDelivery
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.audit.records import DocumentRef, JsonValue
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.privacy.scrub import Purged, debtor_rows, mentioning
from notice_service.use_cases.privacy.traces import held_traces


@dataclass(frozen=True)
class DebtorExport:
    name: str  # the ZIP's file name: debtor-<id>.zip
    data: bytes
    sha256: str
    files: tuple[str, ...]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def row_json(row: Base) -> dict[str, Any]:
    """Every column of ``row``, JSON-ready."""
    return {column.key: _plain(getattr(row, column.key)) for column in inspect(type(row)).column_attrs}


def _rows(session: Session, query: Any) -> list[dict[str, Any]]:
    return [row_json(row) for row in session.execute(query).scalars()]


def _claims(session: Session, debtor: Debtor, cases: Sequence[str], invoices: Sequence[str]) -> dict[str, Any]:
    """The debtor and its claims: invoices, payments, credit notes, cases and their links, consents, purges."""
    return {
        "debtor": [row_json(debtor)],
        "invoices": _rows(session, select(Invoice).where(Invoice.id.in_(invoices)).order_by(Invoice.created_at)),
        "payments": _rows(session, select(Payment).where(Payment.invoice_id.in_(invoices)).order_by(Payment.paid_on)),
        "credit_notes": _rows(session, select(CreditNote).where(CreditNote.invoice_id.in_(invoices))),
        "cases": _rows(session, select(Case).where(Case.id.in_(cases)).order_by(Case.created_at)),
        "case_invoices": _rows(session, select(CaseInvoice).where(CaseInvoice.case_id.in_(cases))),
        "consents": _rows(session, select(ElectronicConsent).where(ElectronicConsent.debtor_id == debtor.id)),
        "purges": _rows(session, select(PrivacyPurge).where(PrivacyPurge.debtor_id == debtor.id)),
    }


def _letters(session: Session, notices: Sequence[str], deliveries: Sequence[str]) -> dict[str, Any]:
    """The cases' notices and their deliveries, with each delivery's facts and evidence."""
    evidence = select(DeliveryEvidence).where(DeliveryEvidence.delivery_id.in_(deliveries))
    return {
        "notices": _rows(session, select(Notice).where(Notice.id.in_(notices)).order_by(Notice.created_at)),
        "deliveries": _rows(session, select(Delivery).where(Delivery.id.in_(deliveries))),
        "delivery_facts": _rows(session, select(DeliveryFact).where(DeliveryFact.delivery_id.in_(deliveries))),
        "delivery_evidence": _rows(session, evidence),
    }


def _follow_up(session: Session, debtor: Debtor, cases: Sequence[str]) -> dict[str, Any]:
    """Calls, SMS, promises and pauses, disputes and documents of the debtor's cases."""
    texts = select(SmsMessage).where(or_(SmsMessage.case_id.in_(cases), SmsMessage.debtor_id == debtor.id))
    pauses = select(CasePause).where(CasePause.case_id.in_(cases)).order_by(CasePause.created_at)
    return {
        "calls": _rows(session, select(CaseCall).where(CaseCall.case_id.in_(cases)).order_by(CaseCall.called_at)),
        "sms": _rows(session, texts.order_by(SmsMessage.created_at)),
        "promises": _rows(session, pauses),
        "disputes": _rows(session, select(CaseDispute).where(CaseDispute.case_id.in_(cases))),
        "documents": _rows(session, select(CaseDocument).where(CaseDocument.case_id.in_(cases))),
    }


def _tables(session: Session, tenant_id: str, debtor: Debtor) -> dict[str, list[dict[str, Any]]]:
    """The debtor's rows, file by file (``debtor.json`` holds one row)."""
    target = debtor_rows(session, tenant_id, debtor.id)
    events = select(Event).where(Event.tenant_id == tenant_id, mentioning(Event.data, target.all_ids))
    return {
        **_claims(session, debtor, target.case_ids, target.invoice_ids),
        **_letters(session, target.notice_ids, target.delivery_ids),
        **_follow_up(session, debtor, target.case_ids),
        "events": _rows(session, events.order_by(Event.occurred_at, Event.id)),
        **_traces(session, target),
    }


def _traces(session: Session, target: Purged) -> dict[str, Any]:
    """The cases' dossiers, and the webhook deliveries whose body names the debtor's rows, each with its
    attempts (a receiver's answer may echo the body): what the purge blanks outside them (``traces.py``)."""
    held = held_traces(session, target)
    dossiers = select(Dossier).where(Dossier.id.in_(held["dossiers"])).order_by(Dossier.created_at)
    attempts: dict[str, list[dict[str, Any]]] = {one: [] for one in held["webhook_deliveries"]}
    for attempt in session.execute(
        select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(attempts)).order_by(WebhookAttempt.number)
    ).scalars():
        attempts[attempt.delivery_id].append(row_json(attempt))
    hooks = select(WebhookDelivery).where(WebhookDelivery.id.in_(attempts)).order_by(WebhookDelivery.created_at)
    webhooks = [{**row, "attempts": attempts[row["id"]]} for row in _rows(session, hooks)]
    return {"dossiers": _rows(session, dossiers), "webhooks": webhooks}


def _zip(tables: dict[str, list[dict[str, Any]]], letters: Sequence[tuple[str, bytes]], at: datetime) -> bytes:
    buffer = io.BytesIO()
    stamp = (at.year, at.month, at.day, at.hour, at.minute, at.second)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in tables.items():
            body = rows[0] if name == "debtor" else rows
            text = json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
            archive.writestr(zipfile.ZipInfo(f"{name}.json", stamp), text.encode())
        for name, data in letters:
            archive.writestr(zipfile.ZipInfo(name, stamp), data)
    return buffer.getvalue()


def export_debtor(services: Services, actor: Actor, debtor_id: str) -> DebtorExport:
    """The ZIP of everything held about one of ``actor``'s tenant's debtors (``NotFound`` for another's)."""
    now = services.clock.now()
    with services.db.reading() as session:
        debtor = get_owned(session, Debtor, actor.tenant_id, debtor_id)
        tables = _tables(session, actor.tenant_id, debtor)
    issued = [(n["id"], n["document_key"]) for n in tables["notices"] if n["document_key"]]
    letters = [(f"letters/{notice_id}.pdf", services.store.get(key)) for notice_id, key in issued]
    data = _zip(tables, letters, now)
    digest = hashlib.sha256(data).hexdigest()
    documents = tuple(DocumentRef("letter", hashlib.sha256(pdf).hexdigest()) for _, pdf in letters)
    record_data: dict[str, JsonValue] = {"sha256": digest, "size": len(data), "letters": len(letters)}
    with services.db.transaction() as session:
        get_owned(session, Debtor, actor.tenant_id, debtor_id)
        record = actor.record("debtor:exported", "debtor", debtor_id, documents=documents, data=record_data)
        audit_repository.append(session, actor.tenant_id, [record], now)
    files = (*(f"{name}.json" for name in tables), *(name for name, _ in letters))
    return DebtorExport(f"debtor-{debtor_id}.zip", data, digest, files)
