"""The worker: drains the transactional outbox on any number of processes and machines.

A message is claimed in a short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers never
take the same row; a lease makes a crashed worker's message available again), handled outside any
transaction, then marked done; a failure is retried with exponential backoff. Handlers are idempotent:
the audit mirror writes write-once keys, so a retried message rewrites the same bytes.

A handled message is marked done by the same worker's next claim, in the claim's transaction (a letter's path
then commits three times: the claim, the issue, the next claim), and a batch's messages all at once; an idle or
stopping worker has nothing left unmarked, since its claim found nothing. Until the mark, the message's lease
keeps other workers off it; a worker dying in between leaves it to another once the lease ran out, exactly as a
death between a handler's last commit and a separate mark would.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import takewhile
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from notice_service.db.audit_repository import TOPIC_MIRROR
from notice_service.db.models.outbox import OUTBOX_MESSAGE_ID, OutboxMessage
from notice_service.domain.webhook_events import EventType
from notice_service.faults import crash_point
from notice_service.services import Services
from notice_service.use_cases.audit.checkpoint import IdleLogCheckpointer
from notice_service.use_cases.audit.mirror import TOPIC_CHECKPOINT, handle_checkpoint, handle_mirror
from notice_service.use_cases.cases.pause_schedule import settle_due_pauses
from notice_service.use_cases.delivery.deadlines import expire_deadlines
from notice_service.use_cases.delivery.polling import poll_delivery
from notice_service.use_cases.delivery.submission import TOPIC_POLL, TOPIC_SUBMIT, Deferred, submit_delivery
from notice_service.use_cases.dunning.execute import handle_item
from notice_service.use_cases.dunning.planning import TOPIC_ITEM, TOPIC_RUN, queue_items
from notice_service.use_cases.dunning.schedule import plan_scheduled_runs
from notice_service.use_cases.rate_sync import ScheduledRateSync
from notice_service.use_cases.webhooks.dispatch import TOPIC_DELIVER, deliver_webhook, event_handler

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=1)

Handler = Callable[[Services, str, Mapping[str, Any]], None]


def mirror_audit_records(services: Services, tenant_id: str, payload: Mapping[str, Any]) -> None:
    """Write the appended records as one canonical JSONL segment (WORM mirror), then checkpoint when due."""
    handle_mirror(services, tenant_id, payload)


HANDLERS: dict[str, Handler] = {
    TOPIC_MIRROR: mirror_audit_records,
    TOPIC_CHECKPOINT: handle_checkpoint,
    **{event.value: event_handler(event) for event in EventType},  # fanned out to webhook subscriptions
    TOPIC_DELIVER: deliver_webhook,
    TOPIC_SUBMIT: submit_delivery,  # a queued delivery to its provider (issue 16)
    TOPIC_POLL: poll_delivery,  # its events and proofs
}
HANDLERS[TOPIC_ITEM] = handle_item  # a dunning run's item: draft, re-check, issue, dispatch (idempotent)
HANDLERS[TOPIC_RUN] = queue_items  # a planned run: one dunning.item message per item with work


#: Topics that cost a letter's render and signature: a worker claims one of them alone, so that the workers of a
#: run share its last items evenly and a batch never holds a letter behind other messages while its lease runs.
HEAVY_TOPICS = frozenset({TOPIC_ITEM})


@dataclass(frozen=True)
class Claimed:
    """A leased outbox message, as the handlers need it (read with Core: a claim loads no mapped object)."""

    id: int
    tenant_id: str
    topic: str
    payload: dict[str, Any]


_OUTBOX = OutboxMessage.__table__.c


def _one_heavy(messages: list[Claimed]) -> list[Claimed]:
    """The claimed batch's first message alone when it is heavy, else its light messages before the first heavy
    one (which the next claim takes)."""
    if messages and messages[0].topic in HEAVY_TOPICS:
        return messages[:1]
    return list(takewhile(lambda message: message.topic not in HEAVY_TOPICS, messages))


def _mark_done(session: Session, message_ids: Collection[int], now: datetime) -> None:
    """Done, unless already (the audit mirror marks the messages its segment covered)."""
    done = {"locked_until": None, "done_at": now, "last_error": None}
    pending = OutboxMessage.id.in_(list(message_ids)), OutboxMessage.done_at.is_(None)
    session.execute(update(OutboxMessage).where(*pending).values(done))


def mark_done(services: Services, message_ids: Collection[int]) -> None:
    """Mark handled messages done in a transaction of their own (when no claim follows to carry them)."""
    if message_ids:
        with services.db.transaction() as session:
            _mark_done(session, message_ids, services.clock.now())


_NEXT = (
    select(_OUTBOX.id, _OUTBOX.tenant_id, _OUTBOX.topic, _OUTBOX.payload)
    .where(
        _OUTBOX.done_at.is_(None),
        _OUTBOX.available_at <= bindparam("now"),
        _OUTBOX.locked_until.is_(None) | (_OUTBOX.locked_until < bindparam("now")),
    )
    .order_by(_OUTBOX.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)


def claim(services: Services, limit: int = 20, finished: Collection[int] = ()) -> list[Claimed]:
    """Lease the next messages; ``finished``, the messages this worker handled since its last claim, are marked
    done in the same transaction."""
    now = services.clock.now()
    with services.db.transaction() as session:
        if finished:
            _mark_done(session, finished, now)
        rows = session.execute(_NEXT, {"now": now, "limit": limit}).all()
        messages = _one_heavy([Claimed(row.id, row.tenant_id, row.topic, row.payload) for row in rows])
        if messages:  # the rest stay unleased: their row locks end with this transaction
            until = now + timedelta(seconds=services.settings.worker_lease_seconds)
            leased = _OUTBOX.id.in_([message.id for message in messages])
            lease = update(OutboxMessage).where(leased).values(locked_until=until, attempts=OutboxMessage.attempts + 1)
            session.execute(lease, execution_options={"synchronize_session": False})
    return messages


def _finish(services: Services, message_id: int, error: str | None) -> None:
    """Mark a handled message done, or schedule its retry."""
    now = services.clock.now()
    with services.db.transaction() as session:
        if error is None:
            _mark_done(session, [message_id], now)
            return
        message = session.get_one(OutboxMessage, message_id)
        message.locked_until = None
        message.last_error = error[:2000]
        message.available_at = now + min(MAX_BACKOFF, timedelta(seconds=2**message.attempts))


def _defer(services: Services, message_id: int, until: datetime) -> None:
    """Available again at ``until`` (a provider account's back-off), not counted as a failure."""
    with services.db.transaction() as session:
        message = session.get_one(OutboxMessage, message_id)
        message.locked_until, message.available_at = None, until
        message.attempts = max(0, message.attempts - 1)


def run_once(
    services: Services,
    handlers: Mapping[str, Handler] = HANDLERS,
    finished: list[int] | None = None,
    *,
    limit: int = 20,
) -> int:
    """Claim and handle one batch (at most ``limit`` messages); answers how many were handled successfully.

    ``finished`` (a worker's loop, from one call to the next): the messages handled since the last claim, which
    this claim marks done; it leaves this batch's successes in it for the next. Without it, the batch's
    successes are marked done before the return."""
    carried = [] if finished is None else finished
    batch = claim(services, limit, finished=carried)
    carried.clear()
    done = 0
    for message in batch:
        crash_point("after-outbox-claim")
        handler = handlers.get(message.topic)
        try:
            if handler is None:
                raise LookupError(f"no handler for topic {message.topic!r}")
            handler(services, message.tenant_id, {**message.payload, OUTBOX_MESSAGE_ID: message.id})
        except Deferred as deferred:
            _defer(services, message.id, deferred.until)
        except Exception as exc:  # any failure is recorded and retried later; the worker keeps going
            log.warning("outbox message %s (%s) failed: %s", message.id, message.topic, exc)
            _finish(services, message.id, f"{type(exc).__name__}: {exc}")
        else:
            carried.append(message.id)
            done += 1
    if finished is None:
        mark_done(services, carried)
    return done


def run_until_idle(services: Services, handlers: Mapping[str, Handler] = HANDLERS) -> int:
    """Handle batches until none succeeds (e.g. to settle a test or a one-off run); answers the total."""
    total, finished = 0, list[int]()
    while handled := run_once(services, handlers, finished):
        total += handled
    mark_done(services, finished)
    return total


#: While the outbox keeps a worker busy, its scheduled chores (deadlines, idle-log checkpoints, rate sync, daily
#: runs, pauses) run at most this often; an idle worker runs them on every poll. They look at dates and times of
#: day, so a few seconds' delay changes nothing, and skipping their queries between letters is about 1.5 % of a
#: run's time (``bench/bulk_run.py``).
HOUSEKEEPING_SECONDS = 5.0


def freeze_heap() -> None:
    """Move every object alive now to the collector's permanent generation (``gc.freeze``).

    A worker process calls it once it has handled its first batch: the modules, the mapped classes, the fonts
    and the compiled templates then live outside the generations, so the full collections that a letter's
    render triggers (each walks every tracked object) stop walking the service's own heap. Measured with
    ``bench/bulk_run.py``: without it, the collector took about 10 % of a worker's CPU against 5 % in a
    process that only renders. Objects frozen are still freed by reference counting; only cycles among them
    would stay, and the heap frozen is the process's long-lived one."""
    gc.collect()
    gc.freeze()


def run_forever(services: Services, stop: threading.Event, *, freeze: bool = False) -> None:
    """Drain the outbox until ``stop``; ``freeze`` (a worker process of its own, not the embedded profile's
    thread): ``freeze_heap`` once, after the first batch that handled something."""
    idle_logs = IdleLogCheckpointer(services)  # the checkpoint time cadence, for logs that receive nothing more
    rates = ScheduledRateSync(services)  # `rates sync` when NOTICE_RATES_ECB_URL is set; missing-rate warnings
    busy, next_chores, finished = False, 0.0, list[int]()
    while not stop.is_set():
        try:
            handled = 0
            if not busy or time.monotonic() >= next_chores:
                next_chores = time.monotonic() + HOUSEKEEPING_SECONDS
                handled += expire_deadlines(services) + idle_logs.run_if_due() + rates.run_if_due()
                handled += plan_scheduled_runs(services)  # each tenant's daily dunning run, at its chosen time
                handled += settle_due_pauses(services)  # promises judged, manual pauses over (issue 14)
            handled += run_once(services, finished=finished)
        except Exception:  # the database may be briefly unavailable; keep the worker alive
            log.exception("worker batch failed")
            handled = 0
        busy = handled > 0
        if busy and freeze:
            freeze_heap()
            freeze = False
        if not busy:
            stop.wait(services.settings.worker_poll_seconds)
    try:
        mark_done(services, finished)  # the last batch's, when the stop came right after it
    except Exception:  # their leases run out: another worker finds them done (handlers are idempotent)
        log.exception("marking the last batch done failed")


def start_thread(services: Services) -> tuple[threading.Thread, threading.Event]:
    """The embedded profile's worker: one daemon thread inside the server process."""
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(services, stop), name="notice-worker", daemon=True)
    thread.start()
    return thread, stop


def pending_count(services: Services) -> int:
    with services.db.reading() as session:
        return len(session.execute(select(OutboxMessage.id).where(OutboxMessage.done_at.is_(None))).all())


def run_one(services: Services, handlers: Mapping[str, Handler] = HANDLERS) -> int:
    """Claim and handle one message (``runs execute`` refreshes its progress bar after each); answers 1 when it
    was handled successfully, else 0."""
    return run_once(services, handlers, limit=1)
