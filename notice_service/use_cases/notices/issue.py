"""Issuing a drafted notice: the legally binding step.

Before the transaction (slow I/O): render the final PDF/A-3b with the letter's data and the invoice copies
attached, check every mandatory mention on the PDF's own text (in a thread, while the signature waits for its
time-stamp), sign (PAdES), store WORM. Then one short
transaction marks the notice issued, appends the ``notice:issued`` audit record and queues the
``notice.issued`` event. A crash in between leaves at most an orphan object in the store.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.case_progress import advance_stage
from notice_service.db.models.cases import Case
from notice_service.db.models.claims import Debtor, Invoice
from notice_service.db.models.notices import Notice
from notice_service.db.outbox import queue_event
from notice_service.db.tenant_scope import get_owned, not_owned
from notice_service.domain.audit.records import DocumentRef, RecordDraft
from notice_service.domain.completeness import CompletenessResult, check_mentions
from notice_service.domain.deadlines import PARIS
from notice_service.domain.verification_codes import code_digest, new_code
from notice_service.errors import Conflict, IncompleteNotice
from notice_service.faults import crash_point
from notice_service.letter_catalogue import mentions_for
from notice_service.ports import Attachment, LetterRequest, SignedPdf, StoredObject
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.cases.statement import load_case_invoices
from notice_service.use_cases.notices.draft import LETTER_TITLES, refuse_closed
from notice_service.use_cases.notices.letter_context import case_mentions, debtor_block, mention_values, thaw
from notice_service.use_cases.notices.verification import verification_block

_ADDRESS = ("address_lines", "postal_code", "city", "country")


def letter_attachments(services: Services, letter_data: dict[str, Any], invoices: list[Invoice]) -> list[Attachment]:
    data = json.dumps(letter_data, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")
    attachments = [Attachment("notice-data.json", data, "application/json", "Données structurées de la lettre", "Data")]
    for invoice in invoices:
        if invoice.document_key:
            attachments.append(
                Attachment(
                    f"facture-{invoice.number}.pdf",
                    services.store.get(invoice.document_key),
                    "application/pdf",
                    f"Copie de la facture {invoice.number}",
                    "Source",
                )
            )
    return attachments


def _check_completeness(letter_data: dict[str, Any], notice: Notice, text: str) -> CompletenessResult:
    mentions = [*mentions_for(notice.kind, notice.variant), *case_mentions(letter_data)]
    result = check_mentions(text, mentions, mention_values(letter_data))
    if not result.complete:
        raise IncompleteNotice(
            "The letter lacks mandatory mentions; it was not issued.",
            extra={"missing": [asdict(m) for m in result.missing]},
        )
    return result


def _check_while_signing(
    services: Services, letter_data: dict[str, Any], notice: Notice, pdf: bytes
) -> tuple[CompletenessResult, SignedPdf]:
    """Check the rendered PDF's mentions in a thread while the signature waits for its time-stamp, then answer
    both; a refusal wins over a signing failure (a person must fix the letter whatever the TSA did).

    The signature adds no text, so the rendered PDF reads as the signed one. Nothing is stored or issued before
    both ended: a refused letter at most cost a time-stamp token. Overlapping the two takes the check (about
    2 % of a letter's time, ``bench/bulk_run.py``) off a worker's path, since the TSA round trip leaves the CPU
    idle."""
    outcome: dict[str, Any] = {}

    def check() -> None:
        try:
            outcome["result"] = _check_completeness(letter_data, notice, services.text_extractor.extract_text(pdf))
        except BaseException as exc:  # re-raised in the issuing thread
            outcome["error"] = exc

    checker = threading.Thread(target=check, name="completeness-check", daemon=True)
    checker.start()
    try:
        signed = services.signer.sign(pdf, reason=f"{LETTER_TITLES[notice.kind]} {notice.id}")
    except Exception:
        checker.join()
        if "error" in outcome:
            raise outcome["error"] from None
        raise
    checker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"], signed


@dataclass(frozen=True)
class _Produced:
    notice: Notice
    letter_data: dict[str, Any]
    template_digest: str
    signed: SignedPdf
    stored: StoredObject
    completeness: CompletenessResult
    verification_code: str


def _draft_case_debtor(session: Session, tenant_id: str, notice_id: str) -> tuple[Notice, Case, Debtor]:
    """The tenant's notice with its case and debtor, in one query; ``NotFound`` as ``get_owned`` answers it."""
    query = select(Notice, Case, Debtor).join(Case, Case.id == Notice.case_id).join(Debtor, Debtor.id == Case.debtor_id)
    found = session.execute(query.where(Notice.id == notice_id, Notice.tenant_id == tenant_id)).one_or_none()
    if found is None:  # the case and the debtor are foreign keys: not this tenant's notice
        raise not_owned(Notice, notice_id)
    notice, case, debtor = found
    return notice, case, debtor


def _produce(services: Services, actor: Actor, notice_id: str) -> _Produced:
    with services.db.reading() as session:
        notice, case, debtor = _draft_case_debtor(session, actor.tenant_id, notice_id)
        if notice.status != "draft":
            raise Conflict(f"The notice is already {notice.status}.", extra={"notice_status": notice.status})
        refuse_closed(case)
        refuse_moved(notice, debtor)
        invoices = load_case_invoices(session, notice.case_id)
    letter_data = json.loads(json.dumps(notice.letter_data))
    letter_data["notice"]["date"] = services.clock.now().astimezone(PARIS).date().isoformat()
    code = notice.verification_code or new_code()  # drafted before codes existed: made now, before rendering
    letter_data["verification"] = verification_block(services, code)
    rendered = services.renderer.render(
        LetterRequest(
            kind=notice.kind,
            variant=notice.variant,
            context=thaw(letter_data, development_certificate=services.development_signing),
            title=LETTER_TITLES[notice.kind],
            attachments=letter_attachments(services, letter_data, invoices),
        )
    )
    crash_point("after-render")
    completeness, signed = _check_while_signing(services, letter_data, notice, rendered.pdf)
    crash_point("after-sign")
    stored = services.store.put(signed.pdf, content_type="application/pdf", document_class="notice")
    crash_point("after-store-put")
    return _Produced(notice, letter_data, rendered.template_digest, signed, stored, completeness, code)


def refuse_moved(notice: Notice, debtor: Debtor) -> None:
    """A draft froze the debtor's address; if it changed since (``PATCH /v1/debtors/{id}``), issuing would send
    the letter to the old address: refused (409), draft it again."""
    frozen = {key: notice.letter_data["debtor"].get(key) for key in _ADDRESS}
    current = {key: value for key, value in debtor_block(debtor).items() if key in _ADDRESS}
    if frozen != current:
        raise Conflict(
            "The debtor's address changed after this letter was drafted: draft it again so that it goes to the "
            "current address.",
            extra={"drafted_address": frozen, "current_address": current},
        )


def _signature_json(signed: SignedPdf) -> dict[str, Any]:
    facts = signed.facts
    return {
        "level": facts.level,
        "signer_subject": facts.signer_subject,
        "signer_certificate_sha256": facts.signer_certificate_sha256,
        "signing_time": facts.signing_time.isoformat(),
        "timestamp_time": facts.timestamp_time.isoformat() if facts.timestamp_time else None,
        "development_certificate": facts.development_certificate,
    }


def _storage_json(stored: StoredObject) -> dict[str, Any]:
    return {
        "backend": stored.backend,
        "key": stored.key,
        "version_id": stored.version_id,
        "retain_until": stored.retain_until.isoformat() if stored.retain_until else None,
        "retention_mode": stored.retention_mode,
    }


def _record_refusal(services: Services, actor: Actor, notice_id: str, error: IncompleteNotice) -> None:
    """A refused issuance is itself evidence: store the check's result on the draft and audit it."""
    now = services.clock.now()
    missing = list(error.extra["missing"])  # type: ignore[call-overload]
    with services.db.transaction() as session:
        row = get_owned(session, Notice, actor.tenant_id, notice_id, lock=True)
        row.completeness = {"complete": False, "missing": missing}
        record = actor.record("notice:incomplete", "notice", notice_id, data={"missing": [m["id"] for m in missing]})
        audit_repository.append(session, actor.tenant_id, [record], now)


def _locked_status(session: Session, tenant_id: str, notice_id: str) -> str:
    """The tenant's notice's status, its row locked until the commit; ``NotFound`` as ``get_owned`` answers it.
    Only the status is read: the issue writes the row with one ``UPDATE`` (``_issued_values``), so its letter
    data and statement are not loaded a second time."""
    query = select(Notice.status).where(Notice.id == notice_id, Notice.tenant_id == tenant_id).with_for_update()
    status = session.execute(query).scalar_one_or_none()
    if status is None:
        raise not_owned(Notice, notice_id)
    return status


def _issued_values(actor: Actor, produced: _Produced, signature: dict[str, Any], now: datetime) -> dict[str, Any]:
    """What the locked draft becomes, the issued notice: final letter data, stored PDF, signature and checks."""
    stored = produced.stored
    return {
        "status": "issued",
        "letter_data": produced.letter_data,
        "template_digest": produced.template_digest,
        "document_key": stored.key,
        "document_sha256": stored.sha256,
        "document_size": stored.size,
        "storage": _storage_json(stored),
        "signature": signature,
        "completeness": {"complete": True, "checked": list(produced.completeness.checked)},
        "issued_at": now,
        "issued_by": f"{actor.kind}:{actor.id}",
        "verification_code": produced.verification_code,
    }


def _issued_record(actor: Actor, notice_id: str, produced: _Produced, signature: dict[str, Any]) -> RecordDraft:
    """The ``notice:issued`` audit record: the signed PDF's digest and what was checked and signed."""
    notice, stored = produced.notice, produced.stored
    return actor.record(
        "notice:issued",
        "notice",
        notice_id,
        documents=(DocumentRef("signed_pdf", stored.sha256),),
        data={
            "case_id": notice.case_id,
            "kind": notice.kind,
            "variant": notice.variant,
            "template_digest": produced.template_digest,
            "total": notice.statement["total"],
            "signature_level": signature["level"],
            "signer_certificate_sha256": signature["signer_certificate_sha256"],
            "storage_version_id": stored.version_id,
            "mentions_checked": list(produced.completeness.checked),
            "verification_code_sha256": code_digest(produced.verification_code),
        },
    )


def issue_notice(
    services: Services,
    actor: Actor,
    notice_id: str,
    *,
    also: Callable[[Session, datetime], Sequence[RecordDraft]] | None = None,
) -> None:
    """Issue the draft ``notice_id``: produce the signed, stored PDF outside any transaction, then mark it issued,
    audit it and queue ``notice.issued`` in one short one. A letter lacking a mandatory mention is refused, and
    the refusal audited.

    ``also(session, now)`` writes what goes with the issue in the same transaction (a run item recorded issued:
    ``dunning/item_steps.py``), so that nothing between the two can be lost and the database commits once; it
    answers its audit records, appended after ``notice:issued`` with it (the log's records of a transaction are
    written together at its commit, after its other statements: ``db/audit_repository.py``)."""
    try:
        produced = _produce(services, actor, notice_id)
    except IncompleteNotice as error:
        _record_refusal(services, actor, notice_id, error)
        raise
    notice, stored = produced.notice, produced.stored
    now = services.clock.now()
    signature = _signature_json(produced.signed)
    with services.db.transaction() as session:
        status = _locked_status(session, actor.tenant_id, notice_id)
        if status != "draft":
            raise Conflict(f"The notice is already {status}.", extra={"notice_status": status})
        issued = update(Notice).where(Notice.id == notice_id).values(_issued_values(actor, produced, signature, now))
        session.execute(issued, execution_options={"synchronize_session": False})
        advance_stage(session, notice.case_id, notice.kind)
        records = [_issued_record(actor, notice_id, produced, signature), *(also(session, now) if also else ())]
        audit_repository.append(session, actor.tenant_id, records, now)
        queue_event(
            session,
            tenant_id=actor.tenant_id,
            topic="notice.issued",
            payload={"notice_id": notice_id, "case_id": notice.case_id, "sha256": stored.sha256},
            at=now,
        )
