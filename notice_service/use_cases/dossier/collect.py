"""What a dossier is made of, read from the database in one short session: the parties, the invoices and their
payments, the issued notices with their deliveries, facts, evidence and deadlines, and the case's audit records.

The exhibits are listed in reading order (the basis of the claim first: contract, CGV, purchase orders; then the
invoices by date, the case's other documents, then each issued notice followed by the proofs of its
deliveries), each with the audit record whose ``documents`` names its SHA-256.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.calls import CaseCall
from notice_service.db.models.case_documents import CaseDispute, CaseDocument
from notice_service.db.models.cases import Case
from notice_service.db.models.claims import CreditNote, Debtor, Invoice, Payment
from notice_service.db.models.delivery import Delivery, DeliveryEvidence, DeliveryFact, NoticeDeadline
from notice_service.db.models.notices import Notice
from notice_service.db.models.pauses import CasePause
from notice_service.db.models.tenants import Tenant
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.dossier.exhibits import ExhibitSource
from notice_service.domain.french_format import date_fr
from notice_service.letter_catalogue import TITLES
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.cases.calls import load_case_calls
from notice_service.use_cases.cases.disputes import load_case_disputes
from notice_service.use_cases.cases.documents import load_case_documents
from notice_service.use_cases.cases.promises import load_case_pauses
from notice_service.use_cases.cases.statement import load_case_invoices, load_credit_notes
from notice_service.use_cases.delivery.queries import load_evidence, load_facts

_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/tiff": "tif"}
EVIDENCE_TITLES = {
    "deposit_proof": "Preuve de dépôt",
    "acknowledgement_of_receipt": "Avis de réception",
    "returned_envelope": "Pli retourné",
    "lre_proof": "Preuve de lettre recommandée électronique",
    "bailiff_report": "Acte du commissaire de justice",
}
DOCUMENT_TITLES = {
    "contract": "Contrat",
    "cgv": "Conditions générales de vente",
    "purchase_order": "Bon de commande",
    "other": "Document",
}


@dataclass(frozen=True)
class DeliveryMaterial:
    delivery: Delivery
    facts: list[DeliveryFact]
    evidence: list[DeliveryEvidence]


@dataclass(frozen=True)
class NoticeMaterial:
    notice: Notice
    deliveries: list[DeliveryMaterial]
    deadline: NoticeDeadline | None


@dataclass(frozen=True)
class CaseMaterial:
    tenant: Tenant
    case: Case
    debtor: Debtor
    invoices: list[Invoice]
    payments: list[Payment]
    notices: list[NoticeMaterial]
    documents: list[CaseDocument] = field(default_factory=list)
    disputes: list[CaseDispute] = field(default_factory=list)
    credit_notes: list[CreditNote] = field(default_factory=list)
    pauses: list[CasePause] = field(default_factory=list)  # promises to pay and manual pauses, oldest first
    calls: list[CaseCall] = field(default_factory=list)

    def subjects(self) -> list[tuple[str, str]]:
        found = [("case", self.case.id), ("debtor", self.debtor.id)]
        found += [("invoice", i.id) for i in self.invoices] + [("notice", n.notice.id) for n in self.notices]
        return found + [("delivery", d.delivery.id) for n in self.notices for d in n.deliveries]


def _deliveries(session: Session, notice_id: str) -> list[DeliveryMaterial]:
    rows = session.execute(select(Delivery).where(Delivery.notice_id == notice_id).order_by(Delivery.created_at))
    found = []
    for delivery in rows.scalars():
        found.append(DeliveryMaterial(delivery, load_facts(session, delivery.id), load_evidence(session, delivery.id)))
    return found


def load_case_material(services: Services, actor: Actor, case_id: str) -> CaseMaterial:
    with services.db.reading() as session:
        case = get_owned(session, Case, actor.tenant_id, case_id)
        invoices = load_case_invoices(session, case.id)
        payments = session.execute(
            select(Payment).where(Payment.invoice_id.in_([i.id for i in invoices])).order_by(Payment.paid_on)
        ).scalars()
        notices = session.execute(
            select(Notice)
            .where(Notice.case_id == case.id, Notice.issued_at.is_not(None))
            .order_by(Notice.issued_at, Notice.id)
        ).scalars()
        return CaseMaterial(
            tenant=session.get_one(Tenant, actor.tenant_id),
            case=case,
            debtor=session.get_one(Debtor, case.debtor_id),
            invoices=invoices,
            payments=list(payments),
            credit_notes=load_credit_notes(session, [i.id for i in invoices], date.max),
            notices=[NoticeMaterial(n, _deliveries(session, n.id), session.get(NoticeDeadline, n.id)) for n in notices],
            documents=load_case_documents(session, case.id),
            disputes=load_case_disputes(session, case.id),
            pauses=load_case_pauses(session, case.id),
            calls=load_case_calls(session, case.id),
        )


def load_case_records(services: Services, tenant_id: str, material: CaseMaterial, size: int) -> list[bytes]:
    """The canonical bytes of the case's records below ``size`` (the checkpoint), in index order."""
    conditions = [
        (AuditRecord.subject_type == kind) & (AuditRecord.subject_id == sid) for kind, sid in material.subjects()
    ]
    with services.db.reading() as session:
        rows = session.execute(
            select(AuditRecord.canonical)
            .where(AuditRecord.tenant_id == tenant_id, AuditRecord.index < size, or_(*conditions))
            .order_by(AuditRecord.index)
        ).scalars()
        return list(rows)


def documents_by_hash(records: Sequence[bytes]) -> dict[str, tuple[int, str]]:
    """SHA-256 → (index, role) of the first record naming it."""
    found: dict[str, tuple[int, str]] = {}
    for canonical in records:
        record = json.loads(canonical)
        for document in record["documents"]:
            found.setdefault(document["sha256"], (record["index"], document["role"]))
    return found


def _audited(source: ExhibitSource, sha256: str | None, named: dict[str, tuple[int, str]]) -> ExhibitSource:
    if sha256 is None or sha256 not in named:
        return source
    index, role = named[sha256]
    return ExhibitSource(**{**source.__dict__, "audit_index": index, "audit_role": role})


def _invoice_sources(material: CaseMaterial, named: dict[str, tuple[int, str]]) -> list[ExhibitSource]:
    sources = []
    for invoice in sorted(material.invoices, key=lambda i: (i.issue_date, i.number)):
        if invoice.document_key is None:
            continue
        title = f"Facture n° {invoice.number} du {date_fr(invoice.issue_date)}"
        source = ExhibitSource(
            "invoice", title, invoice.issue_date, "pdf", "application/pdf", f"facture-{invoice.number}",
            store_key=invoice.document_key,
        )  # fmt: skip
        sources.append(_audited(source, invoice.document_sha256, named))
    return sources


def _document_sources(
    material: CaseMaterial, named: dict[str, tuple[int, str]], kinds: tuple[str, ...]
) -> list[ExhibitSource]:
    """The case's documents of ``kinds``, in that order of kind, then by date."""
    chosen = [d for d in material.documents if d.kind in kinds]
    chosen.sort(key=lambda d: (kinds.index(d.kind), d.dated or date.min, d.created_at))
    sources = []
    for document in chosen:
        label = DOCUMENT_TITLES.get(document.kind, document.kind)
        title = f"{label} : {document.title}" if document.title else label
        title += f" du {date_fr(document.dated)}" if document.dated else ""
        extension = _EXTENSIONS.get(document.media_type, "bin")
        source = ExhibitSource(
            "case_document", title, document.dated, extension, document.media_type, document.title or label,
            store_key=document.document_key,
        )  # fmt: skip
        sources.append(_audited(source, document.sha256, named))
    return sources


def _notice_date(notice: Notice) -> date:
    return date.fromisoformat(notice.letter_data["notice"]["date"])


def _delivery_sources(item: DeliveryMaterial, named: dict[str, tuple[int, str]]) -> list[ExhibitSource]:
    delivery, sources = item.delivery, []
    for evidence in item.evidence:
        title = f"{EVIDENCE_TITLES.get(evidence.kind, evidence.kind)} ({delivery.channel})"
        extension, slug = _EXTENSIONS.get(evidence.media_type, "bin"), EVIDENCE_TITLES.get(evidence.kind, evidence.kind)
        source = ExhibitSource(
            "evidence", title, evidence.shown_on, extension, evidence.media_type, slug, store_key=evidence.document_key
        )
        sources.append(_audited(source, evidence.sha256, named))
    for fact in item.facts:
        if fact.kind == "submitted" and fact.source == "email":
            title = f"Soumission SMTP du {date_fr(fact.occurred_at.date())} (Message-ID, réponse du serveur)"
            source = ExhibitSource(
                "email_submission", title, fact.occurred_at.date(), "json", "application/json", "soumission-email",
                store_key=fact.payload_key,
            )  # fmt: skip
            sources.append(_audited(source, fact.payload_sha256, named))
    return sources


def exhibit_sources(material: CaseMaterial, records: Sequence[bytes]) -> list[ExhibitSource]:
    """The basis of the claim (contract, CGV, purchase orders), the invoices, the other documents, then each notice
    and the proofs of its deliveries; the tracking histories are generated."""
    named = documents_by_hash(records)
    sources = _document_sources(material, named, ("contract", "cgv", "purchase_order"))
    sources += _invoice_sources(material, named) + _document_sources(material, named, ("other",))
    for item in material.notices:
        notice = item.notice
        title = f"{TITLES.get(notice.kind, notice.kind)} du {date_fr(_notice_date(notice))} (PDF signé)"
        source = ExhibitSource(
            "notice", title, _notice_date(notice), "pdf", "application/pdf", TITLES.get(notice.kind, notice.kind),
            store_key=notice.document_key,
        )  # fmt: skip
        sources.append(_audited(source, notice.document_sha256, named))
        for delivery in item.deliveries:
            sources += _delivery_sources(delivery, named)
            history = tracking_history(delivery)
            title = f"Historique de suivi ({delivery.delivery.channel}, {len(delivery.facts)} événements)"
            day = delivery.facts[-1].occurred_at.date() if delivery.facts else None
            sources.append(
                ExhibitSource("history", title, day, "json", "application/json", "historique-suivi", content=history)
            )
    return sources


def tracking_history(item: DeliveryMaterial) -> bytes:
    """A delivery's facts as JSON; each fact's raw payload is named by the SHA-256 its audit record carries."""
    delivery = item.delivery
    document = {
        "delivery_id": delivery.id,
        "notice_id": delivery.notice_id,
        "channel": delivery.channel,
        "provider": delivery.provider,
        "tracking_number": delivery.tracking_number,
        "status": delivery.status,
        "facts": [
            {
                "kind": f.kind,
                "occurred_at": f.occurred_at.isoformat(),
                "recorded_at": f.recorded_at.isoformat(),
                "source": f.source,
                "source_event_id": f.source_event_id,
                "payload_sha256": f.payload_sha256,
            }
            for f in item.facts
        ],
        "evidence": [{"kind": e.kind, "sha256": e.sha256, "media_type": e.media_type} for e in item.evidence],
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
