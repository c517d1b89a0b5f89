"""Planning a run: every step due on ``as_of`` across the tenant's open cases, as run items (no rendering).

One transaction, a fixed number of queries whatever the number of cases: the due invoices join their debtor's
case (``attach.py``), then the open cases with their unpaid invoices, the disputes, the active pauses
(``use_cases/cases/pauses.active_pauses``, once), the steps taken and the items still pending are read in
bulk, ``domain/dunning/due.step_due`` decides each case, and the items are inserted in bulk with one
``dunning.run`` message. An item starts ``approved`` when its step is ``auto``, else ``proposed``; a case
whose step is due but that is disputed or paused gets a ``skipped`` item naming why; a case whose step already
has a pending item (an earlier run not yet executed) gets none. The worker then queues one ``dunning.item``
message per item with work (``queue_items``) and drafts the letters (``execute.py``), so planning never waits
for a renderer.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.cases import Case, CaseInvoice
from notice_service.db.models.claims import CreditNote, Debtor, Invoice, Payment
from notice_service.db.models.dunning import DebtorPlan, DunningPlan, DunningRun, RunItem, StepTaken
from notice_service.db.models.notices import Notice
from notice_service.db.models.outbox import OutboxMessage
from notice_service.db.outbox import queue_event
from notice_service.domain.audit.records import JsonValue
from notice_service.domain.deadlines import PARIS
from notice_service.domain.dunning.due import LADDER, Calendar, Due, invoice_key, step_due, with_letters_issued
from notice_service.domain.dunning.plans import Step, steps_from_json
from notice_service.errors import FieldError, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.cases.pauses import active_pauses
from notice_service.use_cases.dunning.attach import attach_invoices, disputed_cases
from notice_service.use_cases.dunning.calendars import HolidayCache
from notice_service.use_cases.dunning.plans import settings_row
from notice_service.use_cases.dunning.progress import complete_if_done

TOPIC_ITEM = "dunning.item"
TOPIC_RUN = "dunning.run"
PENDING = ("proposed", "approved")


@dataclass
class _Plans:
    by_id: dict[str, tuple[int, list[Step]]]
    default_id: str
    of_debtor: dict[str, str]

    def of(self, debtor_id: str) -> tuple[str, int, list[Step]]:
        plan_id = self.of_debtor.get(debtor_id, self.default_id)
        version, steps = self.by_id[plan_id]
        return plan_id, version, steps


@dataclass
class _OpenCase:
    debtor_id: str
    invoices: list[tuple[str, date]] = field(default_factory=list)


@dataclass
class Planned:
    run_id: str
    cases_loaded: int
    invoices_loaded: int
    items: int
    seconds: float


def _load_plans(session: Session, tenant_id: str, default_id: str) -> _Plans:
    rows = session.execute(select(DunningPlan).where(DunningPlan.tenant_id == tenant_id)).scalars()
    by_id = {row.id: (row.version, steps_from_json(row.steps)) for row in rows}
    assigned = session.execute(
        select(DebtorPlan.debtor_id, DebtorPlan.plan_id).where(DebtorPlan.tenant_id == tenant_id)
    )
    return _Plans(by_id, default_id, {debtor: plan for debtor, plan in assigned})


def _open_cases(session: Session, tenant_id: str) -> dict[str, _OpenCase]:
    query = (
        select(Case.id, Case.debtor_id, Invoice.id, Invoice.due_date)
        .join(CaseInvoice, CaseInvoice.case_id == Case.id)
        .join(Invoice, Invoice.id == CaseInvoice.invoice_id)
        .where(Case.tenant_id == tenant_id, Case.status == "open", Invoice.status == "open")
    )
    cases: dict[str, _OpenCase] = {}
    for case_id, debtor_id, invoice_id, due in session.execute(query):
        cases.setdefault(case_id, _OpenCase(debtor_id)).invoices.append((invoice_id, due))
    return cases


def _taken(session: Session, tenant_id: str) -> dict[str, dict[int, date]]:
    taken: dict[str, dict[int, date]] = defaultdict(dict)
    query = select(StepTaken.case_id, StepTaken.step_index, StepTaken.taken_on).where(StepTaken.tenant_id == tenant_id)
    for case_id, index, on in session.execute(query):
        taken[case_id][index] = max(on, taken[case_id].get(index, on))
    return taken


def _letters(session: Session, tenant_id: str) -> dict[str, dict[str, date]]:
    """Per case, the day (Paris) each kind of ladder letter was last issued, by a run or by hand."""
    query = (
        select(Notice.case_id, Notice.kind, func.max(Notice.issued_at))
        .where(Notice.tenant_id == tenant_id, Notice.status == "issued", Notice.kind.in_(LADDER))
        .group_by(Notice.case_id, Notice.kind)
    )
    found: dict[str, dict[str, date]] = defaultdict(dict)
    for case_id, kind, issued_at in session.execute(query):
        if issued_at is not None:
            found[case_id][kind] = issued_at.astimezone(PARIS).date()
    return found


def _pending(session: Session, tenant_id: str) -> set[tuple[str, int]]:
    query = select(RunItem.case_id, RunItem.step_index).where(
        RunItem.tenant_id == tenant_id, RunItem.state.in_(PENDING)
    )
    return {(case_id, index) for case_id, index in session.execute(query)}


def receipts_by_invoice(session: Session, tenant_id: str) -> dict[str, int]:
    """How many payments and credit notes each of the tenant's invoices has."""
    found: dict[str, int] = defaultdict(int)
    for model in (Payment, CreditNote):
        query = select(model.invoice_id, func.count()).where(model.tenant_id == tenant_id).group_by(model.invoice_id)
        for invoice_id, count in session.execute(query):
            found[invoice_id] += int(count)
    return found


def _addresses(session: Session, tenant_id: str) -> dict[str, tuple[str, str]]:
    query = select(Debtor.id, Debtor.postal_code, Debtor.country).where(Debtor.tenant_id == tenant_id)
    return {debtor_id: (postal_code, country) for debtor_id, postal_code, country in session.execute(query)}


@dataclass
class _Context:
    run_id: str
    tenant_id: str
    as_of: date
    now: datetime
    plans: _Plans
    taken: dict[str, dict[int, date]]
    letters: dict[str, dict[str, date]]
    pending: set[tuple[str, int]]
    disputed: set[str]
    paused: dict[str, str]
    calendar: Calendar
    holidays: HolidayCache | None
    addresses: dict[str, tuple[str, str]]
    receipts: dict[str, int]


@lru_cache(maxsize=256)
def _step_json(step: Step) -> dict[str, object]:
    return step.as_json()


def _calendar_for(ctx: _Context, debtor_id: str) -> Calendar:
    if ctx.holidays is None:
        return ctx.calendar
    postal_code, country = ctx.addresses[debtor_id]
    return Calendar(ctx.calendar.min_interval_days, True, ctx.holidays.at(postal_code, country))


def _item_for(ctx: _Context, case_id: str, case: _OpenCase) -> dict[str, object] | None:
    plan_id, version, steps = ctx.plans.of(case.debtor_id)
    taken, last_contact = with_letters_issued(steps, ctx.taken.get(case_id, {}), ctx.letters.get(case_id, {}))
    carrying = min(due for _, due in case.invoices)
    due = step_due(steps, carrying, taken, last_contact, ctx.as_of, _calendar_for(ctx, case.debtor_id))
    if not isinstance(due, Due) or (case_id, due.step_index) in ctx.pending:
        return None
    state, reason = ("approved" if due.step.mode == "auto" else "proposed"), None
    if case_id in ctx.disputed:
        state, reason = "skipped", "disputed: the case has a recorded dispute"
    elif case_id in ctx.paused:
        state, reason = "skipped", ctx.paused[case_id]
    ids = sorted(invoice_id for invoice_id, _ in case.invoices)
    return {
        "id": new_id(), "tenant_id": ctx.tenant_id, "run_id": ctx.run_id, "case_id": case_id,
        "debtor_id": case.debtor_id, "plan_id": plan_id, "plan_version": version, "step_index": due.step_index,
        "action": due.step.action, "channel": due.step.channel, "mode": due.step.mode, "step": _step_json(due.step),
        "invoice_ids": ids, "invoice_key": invoice_key(ids), "due_on": due.send_on, "state": state,
        "receipts": sum(ctx.receipts.get(invoice_id, 0) for invoice_id in ids),
        "reason": reason, "created_at": ctx.now, "attempts": 0,
        "decided_by": "plan" if state == "approved" else None, "decided_at": ctx.now if state == "approved" else None,
    }  # fmt: skip


def _context(session: Session, run_id: str, actor: Actor, as_of: date, now: datetime) -> _Context:
    settings = settings_row(session, actor.tenant_id, now)
    plans = _load_plans(session, actor.tenant_id, str(settings.default_plan_id))  # settings_row always sets it
    steps_of = {"": plans.by_id[plans.default_id][1]} | {d: plans.by_id[p][1] for d, p in plans.of_debtor.items()}
    attach_invoices(session, actor, as_of, steps_of, now)
    paused = {
        case_id: f"paused ({pause.kind}) until {pause.until.isoformat()}"
        for case_id, pause in active_pauses(session, actor.tenant_id, as_of).items()
    }
    working = settings.working_days_only
    return _Context(
        run_id, actor.tenant_id, as_of, now, plans, _taken(session, actor.tenant_id),
        _letters(session, actor.tenant_id),
        _pending(session, actor.tenant_id), disputed_cases(session, actor.tenant_id), paused,
        Calendar(settings.min_interval_days, working), HolidayCache(as_of) if working else None,
        _addresses(session, actor.tenant_id) if working else {}, receipts_by_invoice(session, actor.tenant_id),
    )  # fmt: skip


def check_as_of(services: Services, as_of: date) -> None:
    if as_of > services.clock.now().astimezone(PARIS).date():
        raise InvalidInput("A run cannot be planned for a future day.", errors=[FieldError("as_of", "in the future")])


def plan_run(services: Services, actor: Actor, as_of: date, trigger: str = "api") -> Planned:
    """Plan the run of ``as_of`` (a Paris date, today or earlier); answers its id and the planning figures."""
    check_as_of(services, as_of)
    started, now, run_id = time.perf_counter(), services.clock.now(), new_id()
    with services.db.transaction() as session:
        ctx = _context(session, run_id, actor, as_of, now)
        cases = _open_cases(session, actor.tenant_id)
        items = [item for case_id, case in cases.items() if (item := _item_for(ctx, case_id, case)) is not None]
        seconds = time.perf_counter() - started
        session.add(
            DunningRun(
                id=run_id, tenant_id=actor.tenant_id, as_of=as_of, status="open", trigger=trigger,
                created_by=actor.id, created_at=now, planning_ms=int(seconds * 1000),
            )
        )  # fmt: skip
        session.flush()
        _insert(session, actor.tenant_id, run_id, items, now)
        data: dict[str, JsonValue] = {"as_of": as_of.isoformat(), "items": len(items), "trigger": trigger}
        audit_repository.append(session, actor.tenant_id, [actor.record("run:planned", "run", run_id, data=data)], now)
        complete_if_done(session, actor, run_id, now)  # nothing to do (no item, or every item skipped)
    invoices = sum(len(case.invoices) for case in cases.values())
    return Planned(run_id, len(cases), invoices, len(items), time.perf_counter() - started)


def _insert(session: Session, tenant_id: str, run_id: str, items: list[dict[str, object]], now: datetime) -> None:
    """The items, and one ``dunning.run`` message: the worker queues the items' own messages (``queue_items``),
    so planning 10,000 items writes 10,001 rows, not 20,000."""
    if not items:
        return
    session.connection().execute(insert(cast(Table, RunItem.__table__)), items)
    queue_event(session, tenant_id=tenant_id, topic=TOPIC_RUN, payload={"run_id": run_id}, at=now)


def needs_message(state: str, action: str) -> bool:
    """Whether a new item has work for the worker: a letter to draft, or an approved step to take."""
    return state == "approved" or (state == "proposed" and action in _LETTERS)


def queue_items(services: Services, tenant_id: str, payload: Mapping[str, Any]) -> None:
    """The worker's handler of ``dunning.run``: one ``dunning.item`` message per item with work, in one
    transaction (a retry may queue an item twice: its handler is idempotent)."""
    now = services.clock.now()
    with services.db.transaction() as session:
        rows = session.execute(
            select(RunItem.id, RunItem.state, RunItem.action).where(
                RunItem.run_id == str(payload["run_id"]), RunItem.tenant_id == tenant_id
            )
        ).all()
        messages = [
            {"tenant_id": tenant_id, "topic": TOPIC_ITEM, "payload": {"item_id": item_id}, "created_at": now,
             "available_at": now, "attempts": 0}
            for item_id, state, action in rows
            if needs_message(state, action)
        ]  # fmt: skip
        if messages:
            session.connection().execute(insert(cast(Table, OutboxMessage.__table__)), messages)


_LETTERS = ("pre_reminder", "reminder", "second_reminder", "formal_notice")
