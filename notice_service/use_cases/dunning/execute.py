"""Executing a run item in the worker: one outbox message (``dunning.item``) per item, each idempotent.

The handler moves the item as far as it can: a letter item without its draft gets one (a real draft notice with its
preview); an approved item is re-checked (paid, payment received, disputed, paused since the proposal, run
cancelled, step already taken → ``skipped`` with the reason), then issued (exactly the draft the approver saw; the
item is recorded issued, its step taken and the run completed if it was the last, in the letter's own issue
transaction; a letter already out (a person issued the draft from its page) is not re-checked: the item is only
recorded issued), then dispatched by e-mail when the step's channel has e-mail, the debtor an address and the
service an SMTP server (a letter or registered letter stays ``issued``: the postal providers send it). An issued
notice is never issued again: a retried or re-delivered message finds the notice issued and only records the item;
the unique key on ``dunning_steps_taken`` refuses a second take of the same step for the same invoices. A refusal a
person must act on (an incomplete letter, an unknown rate, the profile lacking a mention) fails the item with the
problem's words; a transient failure (store, signer, TSA) is raised, so the outbox retries the message with
backoff.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from notice_service.db.models.dunning import DunningRun, RunItem
from notice_service.db.models.notices import Notice
from notice_service.errors import NoticeError
from notice_service.letter_catalogue import OPTIONS
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.dunning.item_steps import (
    EMAIL_CHANNELS,
    TRANSIENT,
    dispatch_item,
    finish_item,
    issue_letter,
    problem_text,
    recheck,
    run_task,
)
from notice_service.use_cases.notices.draft import DraftRequest, draft_notice

LETTERS = ("pre_reminder", "reminder", "second_reminder", "formal_notice")
DONE = ("rejected", "dispatched", "failed", "skipped", "cancelled")


def worker_actor(tenant_id: str) -> Actor:
    return Actor(tenant_id=tenant_id, kind="worker", id="dunning-run")


def _load(services: Services, item_id: str) -> tuple[RunItem, DunningRun, str | None]:
    """The item, its run and its notice's status (``None``: no notice yet), in one query."""
    with services.db.reading() as session:
        query = select(RunItem, DunningRun, Notice.status).join(DunningRun, DunningRun.id == RunItem.run_id)
        query = query.outerjoin(Notice, Notice.id == RunItem.notice_id)
        item, run, status = session.execute(query.where(RunItem.id == item_id)).one()
        session.expunge_all()
    return item, run, status


def _draft(services: Services, actor: Actor, item: RunItem, run: DunningRun) -> None:
    allowed = OPTIONS.get(item.action, frozenset())
    options = {k: v for k, v in item.step.items() if k in ("tone", "deadline_days") and k in allowed and v is not None}
    try:
        notice_id = draft_notice(services, actor, DraftRequest(item.case_id, item.action, run.as_of, options))
    except TRANSIENT:
        raise
    except NoticeError as error:
        finish_item(services, actor, item.id, "failed", problem_text(error), from_states=("proposed", "approved"))
        return
    with services.db.transaction() as session:
        row = session.execute(select(RunItem).where(RunItem.id == item.id).with_for_update()).scalar_one()
        if row.notice_id is None:
            row.notice_id = notice_id  # a concurrent drafter lost: its draft stays an unused draft


def _letter_out(item: RunItem, status: str | None) -> bool:
    """Whether the item's letter was issued already (a person issued the draft before the worker came to it): it
    is out, so the item is recorded issued whatever changed since (a payment, a pause), never skipped.
    ``status``: the notice's, read with the item (``notice_out`` reads it alone)."""
    return item.action in LETTERS and item.notice_id is not None and status not in (None, "draft")


def handle_item(services: Services, tenant_id: str, payload: Mapping[str, Any]) -> None:
    actor = worker_actor(tenant_id)
    item, run, status = _load(services, str(payload["item_id"]))
    if item.tenant_id != tenant_id or item.state in DONE:
        return
    if item.action in LETTERS and item.notice_id is None and item.state in ("proposed", "approved"):
        _draft(services, actor, item, run)
        item, run, status = _load(services, item.id)
    if item.state == "approved":
        out = _letter_out(item, status)
        reason = None if out else recheck(services, item, run)
        if reason is not None:
            finish_item(services, actor, item.id, "skipped", reason)
            return
        if item.action in LETTERS:
            if item.notice_id is not None:
                issue_letter(services, actor, item, item.notice_id, out=out)  # a draft is re-read as it commits
        else:
            run_task(services, actor, item)
        if item.channel not in EMAIL_CHANNELS:
            return  # nothing to dispatch (a letter goes by post, a task has no letter)
        item, run, status = _load(services, item.id)
    if item.state == "issued" and item.notice_id is not None:
        dispatch_item(services, actor, item)
