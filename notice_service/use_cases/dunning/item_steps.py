"""The steps of executing one run item (``execute.py`` sequences them): the re-check just before issuing,
issuing the frozen draft, a task item, the e-mail dispatch, and recording each outcome on the item."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.case_documents import CaseDispute
from notice_service.db.models.cases import Case
from notice_service.db.models.claims import CreditNote, Debtor, Invoice, Payment
from notice_service.db.models.delivery import Delivery
from notice_service.db.models.dunning import DunningRun, RunItem, StepTaken
from notice_service.db.models.notices import Notice
from notice_service.db.models.pauses import CasePause
from notice_service.db.models.tenants import Tenant
from notice_service.domain.audit.records import RecordDraft
from notice_service.domain.deadlines import PARIS
from notice_service.domain.delivery.facts import Channel, Provider
from notice_service.errors import Conflict, NoticeError, SigningFailed, StoreUnavailable, TimeStampFailed
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.cases.pauses import active_pauses, in_force
from notice_service.use_cases.delivery.dispatch import DispatchRequest, dispatch_notice
from notice_service.use_cases.dunning.progress import complete_if_done, completion, locked_run
from notice_service.use_cases.notices.issue import issue_notice
from notice_service.use_cases.settlement import invoice_balance
from notice_service.use_cases.sms.send import send_sms

TRANSIENT = (StoreUnavailable, SigningFailed, TimeStampFailed)
TASKS = {
    "call_task": "task: call the debtor and record the call (POST /v1/cases/{id}/calls)",
    "injonction_proposal": "task: the mise en demeure's deadline has passed; export the dossier for an "
    "injonction de payer (POST /v1/cases/{id}/dossiers)",
    "payment_plan_offer": "task: offer a payment plan (POST /v1/cases/{id}/notices with kind payment_plan)",
}


def problem_text(error: NoticeError) -> str:
    details = "; ".join(f"{e.field}: {e.message}" for e in error.errors)
    return f"{error.type_slug}: {error.detail}" + (f" ({details})" if details else "")


def _locked(session: Session, item_id: str) -> RunItem:
    return session.execute(select(RunItem).where(RunItem.id == item_id).with_for_update()).scalar_one()


def _item_record(actor: Actor, item: RunItem) -> RecordDraft:
    data = {"run_id": item.run_id, "case_id": item.case_id, "action": item.action, "state": item.state}
    return actor.record(f"run_item:{item.state}", "run_item", item.id, data=data)


def _audit(session: Session, actor: Actor, item: RunItem, now: datetime) -> None:
    audit_repository.append(session, actor.tenant_id, [_item_record(actor, item)], now)


def finish_item(
    services: Services,
    actor: Actor,
    item_id: str,
    state: str,
    reason: str | None,
    from_states: tuple[str, ...] = ("approved",),
) -> None:
    """Move the item to ``state`` (with ``reason``) if it still is in one of ``from_states``."""
    now = services.clock.now()
    with services.db.transaction() as session:
        item = _locked(session, item_id)
        if item.state not in from_states:
            return
        item.state, item.reason, item.done_at = state, reason, now
        _audit(session, actor, item, now)
        complete_if_done(session, actor, item.run_id, now)


def recheck(services: Services, item: RunItem, run: DunningRun) -> str | None:
    """Why the item must not go out now (``None``: it may), from one query: the case's status, whether an
    invoice is still open, the payments and credit notes counted, a dispute, a pause in force, the step taken.
    The reasons keep their order (cancelled, closed, paid, payment received, disputed, paused, taken)."""
    if run.status == "cancelled":
        return "cancelled: the run was cancelled"
    today = services.clock.now().astimezone(PARIS).date()
    ids = list(item.invoice_ids)
    still_open = select(func.count()).select_from(Invoice).where(Invoice.id.in_(ids), Invoice.status == "open")
    receipts = [
        select(func.count()).select_from(model).where(model.invoice_id.in_(ids)).scalar_subquery()
        for model in (Payment, CreditNote)
    ]
    taken = select(StepTaken.item_id).where(StepTaken.case_id == Case.id, StepTaken.step_index == item.step_index)
    facts = select(
        Case.status,
        Case.closed_reason,
        still_open.scalar_subquery(),
        receipts[0] + receipts[1],
        exists().where(CaseDispute.case_id == Case.id),
        exists().where(CasePause.case_id == Case.id, *in_force(item.tenant_id, today)),
        taken.limit(1).scalar_subquery(),
    ).where(Case.id == item.case_id)
    with services.db.reading() as session:
        status, closed_reason, open_count, receipt_count, dispute, paused, earlier = session.execute(facts).one()
        if status != "open":
            return f"case closed ({closed_reason}) since the proposal"
        if open_count == 0:
            return "paid: every invoice of the item was settled since the proposal"
        if int(receipt_count) != item.receipts:
            return "payment received since the proposal: the next run proposes a letter with the new balance"
        if dispute:
            return "disputed: a dispute was recorded on the case"
        pause = active_pauses(session, item.tenant_id, today, [item.case_id]).get(item.case_id) if paused else None
        if pause is not None:
            return f"paused ({pause.kind}) until {pause.until.isoformat()}"
        if earlier is not None and earlier != item.id:
            return f"step already taken on the case (item {earlier})"
    return None


def _mark_issued(session: Session, actor: Actor, item_id: str, reason: str | None, now: datetime) -> list[RecordDraft]:
    """In the caller's transaction: the item issued, its step taken, the run completed if it was the last;
    answers the audit records for the caller to append (after its own)."""
    item = _locked(session, item_id)
    if item.state not in ("approved", "cancelled"):  # cancelled: the run's cancel raced this letter, which left
        return []
    item.state, item.reason, item.done_at = "issued", reason, now
    session.add(
        StepTaken(
            id=new_id(), tenant_id=item.tenant_id, case_id=item.case_id, step_index=item.step_index,
            invoice_key=item.invoice_key, action=item.action, plan_id=item.plan_id,
            plan_version=item.plan_version, item_id=item.id, taken_on=now.astimezone(PARIS).date(),
        )
    )  # fmt: skip
    run = locked_run(session, item.run_id)
    run.first_issued_at = run.first_issued_at or now
    return [_item_record(actor, item), *completion(session, actor, run, now)]


def _record_issued(services: Services, actor: Actor, item_id: str, reason: str | None = None) -> None:
    now = services.clock.now()
    with services.db.transaction() as session:
        audit_repository.append(session, actor.tenant_id, _mark_issued(session, actor, item_id, reason, now), now)


def notice_out(services: Services, notice_id: str) -> bool:
    """Whether the notice left its draft state (issued by this or an earlier attempt)."""
    with services.db.reading() as session:
        return session.get_one(Notice, notice_id).status != "draft"


def issue_letter(services: Services, actor: Actor, item: RunItem, notice_id: str, *, out: bool | None = None) -> None:
    """Issue the item's frozen draft ``notice_id`` and record the item issued in the same transaction; when the
    letter is out already (a person issued the draft, or an attempt raced this one), only record the item.

    ``out``: what ``notice_out`` answered the caller a moment ago (``None``: asked here)."""
    if not (notice_out(services, notice_id) if out is None else out):
        try:
            issue_notice(
                services, actor, notice_id, also=lambda session, now: _mark_issued(session, actor, item.id, None, now)
            )
            return
        except TRANSIENT:
            raise
        except Conflict:
            pass  # issued meanwhile (by a person, or an attempt racing this one): only the item is left to record
        except NoticeError as error:
            finish_item(services, actor, item.id, "failed", problem_text(error))
            return
    _record_issued(services, actor, item.id)


def _sms_text(session: Session, item: RunItem) -> str:
    tenant = session.get_one(Tenant, item.tenant_id)
    invoices = session.execute(select(Invoice).where(Invoice.id.in_(list(item.invoice_ids)))).scalars().all()
    total = sum((invoice_balance(session, invoice) for invoice in invoices), start=invoices[0].amount_due * 0)
    numbers = ", ".join(invoice.number for invoice in invoices)
    contact = tenant.profile.get("phone") or tenant.profile.get("email") or ""
    return f"{tenant.name} : règlement de {total:.2f} EUR attendu (factures {numbers}). Contact : {contact}"[:201]


def run_task(services: Services, actor: Actor, item: RunItem) -> None:
    """A step without a letter: the SMS (``use_cases/sms/send.py``: opt-out, consumer hours, no provider configured
    all become the item's failure reason), or a task for a person."""
    if item.action != "sms":
        _record_issued(services, actor, item.id, TASKS[item.action].replace("{id}", item.case_id))
        return
    with services.db.reading() as session:
        text = _sms_text(session, item)
    try:  # keyed by the item: a retried or re-delivered item never texts twice (send_sms's idempotency)
        message_id = send_sms(services, actor, item.case_id, text, idempotency_key=f"run-item-{item.id}")
    except NoticeError as error:
        finish_item(services, actor, item.id, "failed", problem_text(error))
        return
    _record_issued(services, actor, item.id, f"sms sent ({message_id})")


def _email_target(services: Services, item: RunItem) -> tuple[str | None, str | None]:
    """(the debtor's address, an e-mail delivery already made for the notice)."""
    with services.db.reading() as session:
        debtor = session.get_one(Debtor, item.debtor_id)
        query = select(Delivery.id).where(
            Delivery.notice_id == item.notice_id, or_(Delivery.channel == Channel.EMAIL.value)
        )
        return debtor.email, session.execute(query.limit(1)).scalar()


EMAIL_CHANNELS = ("email", "email_and_letter")


def dispatch_item(services: Services, actor: Actor, item: RunItem) -> None:
    """E-mail the issued letter when the step's channel has e-mail and the debtor an address (once)."""
    if item.channel not in EMAIL_CHANNELS or services.mailer is None or item.notice_id is None:
        return
    email, delivery_id = _email_target(services, item)
    if email is None:
        return
    if delivery_id is None:
        request = DispatchRequest(item.notice_id, Channel.EMAIL, Provider.EMAIL, recipient_email=email)
        try:
            delivery_id = dispatch_notice(services, actor, request)
        except NoticeError as error:
            _note(services, item.id, f"issued; e-mail not sent: {problem_text(error)}")
            return
    now = services.clock.now()
    with services.db.transaction() as session:
        row = _locked(session, item.id)
        if row.state == "issued":
            row.state, row.delivery_id, row.done_at = "dispatched", delivery_id, now
            _audit(session, actor, row, now)


def _note(services: Services, item_id: str, reason: str) -> None:
    with services.db.transaction() as session:
        _locked(session, item_id).reason = reason
