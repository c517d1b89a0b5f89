"""A dunning run of N mises en demeure executed by 1 and then 2 ``notice-service worker`` processes (issue 17).

    PYTHONPATH=. .venv/bin/python bench/bulk_run.py [--letters 2000] [--blocks 20]

The production stack runs on this machine (``bench/_stack.py``): PostgreSQL, SeaweedFS S3 with Object Lock, the
certomancer TSA (signatures are PAdES B-T with a real RFC 3161 token, signed by the PKI's ``signer``). One tenant,
N debtors each with one overdue invoice, a plan of one manual step (a mise en demeure by letter). One run is
planned; two worker processes draft every item (not timed: drafting is the desk's morning work).

Then the run's items are approved block by block, each block executed either by worker A alone (worker B is stopped
with SIGSTOP, while idle) or by A and B together, in the order 1, 2, 2, 1, 1, 2, 2, 1 … so that a shared machine's
drift hits both alike. A block is timed from its approval's commit until its every item is issued and the outbox is
empty again (the audit mirror segments and event fan-out included): the end is the last message's done time in the
outbox, so this process looks at the progress only twice a second (polling every 50 ms ran two queries twenty times
a second beside the workers). Before each block and after the last, with both workers stopped, this process
measures the bare libraries' floor on a few of the same letters: WeasyPrint render + pyHanko sign (with the TSA) +
S3 put, the libraries only (after one uncounted letter: this process's first render loads the fonts and code, which
the workers pay once per thousand letters). Twenty blocks of 100 letters (rather than eight of 250) put a floor
sample every 30 s or so: this machine's speed drifts by up to ±20 % over minutes (the same render loop measured
154–233 ms per letter), and the ratio is only as good as the floor's samples are close to the blocks they are
compared with. The RSS of each worker is sampled every second over the whole run.

Both sides pay the collector for the libraries' objects only: a worker process freezes its heap once it has
handled its first batch (``notice_service.worker.freeze_heap``), and this process freezes its own (the service's
modules and the prepared run) before the first floor letter, so neither side's full collections walk the
service's long-lived heap. Unfrozen, a worker spent about 10 % of its CPU in the collector against about 5 % for
this process's floor.

Targets: 2 workers / 1 worker ≥ 1.8 on a 2-core machine; 1 worker / floor ≥ 0.9; RSS flat.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from bench._stack import RssSampler, Stack
from notice_service.adapters.system_clock import FixedClock
from notice_service.cli.service import DEMO_PROFILE
from notice_service.db.models.dunning import RunItem
from notice_service.db.models.notices import Notice
from notice_service.db.models.outbox import OutboxMessage
from notice_service.ports import LetterRequest
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.dunning.decisions import decide
from notice_service.use_cases.dunning.planning import plan_run
from notice_service.use_cases.dunning.plans import create_plan
from notice_service.use_cases.notices.draft import LETTER_TITLES
from notice_service.use_cases.notices.issue import letter_attachments
from notice_service.use_cases.notices.letter_context import thaw
from notice_service.use_cases.tenants.onboarding import create_tenant
from notice_service.worker import freeze_heap, pending_count
from tests.integration.worker.bulk import bulk_debtors, count, wait_for

AS_OF = date(2026, 6, 10)  # interest at rates already published (2026-S1)
NOW = datetime(2026, 6, 10, 6, 0, tzinfo=UTC)
STEP = {"offset_days": 30, "action": "formal_notice", "channel": "letter", "mode": "manual", "deadline_days": 8}
WORKER_ENV = {"NOTICE_WORKER_POLL_MS": "50", "NOTICE_LOG_LEVEL": "WARNING"}
FLOOR_LETTERS = 4  # floor letters measured between two blocks
WAIT_SECONDS = 3600  # for the drafts, and for each block
BLOCK_POLL = 0.5  # seconds between two looks at a block's progress (its end is read from the outbox)


def failed_item(services: Services) -> str | None:
    """The reason of a failed run item, if any (the bench stops on the first)."""
    with services.db.reading() as session:
        reason = session.execute(select(RunItem.reason).where(RunItem.state == "failed").limit(1)).scalar_one_or_none()
    return None if reason is None else f"an item failed: {reason}"


def wait(services: Services, condition: Callable[[], bool], what: str, poll: float = 0.05) -> None:
    wait_for(condition, what, WAIT_SECONDS, poll=poll, fail_fast=lambda: failed_item(services))


def prepare(services: Services, letters: int) -> tuple[Actor, str, list[str]]:
    tenant = create_tenant(services, name="Bench Bulk SAS", siren="732829320", profile=DEMO_PROFILE)
    operator = Actor(tenant.tenant_id, "operator", "bench")
    create_plan(services, operator, "Mise en demeure", [STEP], default=True)
    bulk_debtors(services, tenant.tenant_id, letters, as_of=AS_OF, now=NOW, overdue_days=45, amount=Decimal("1200.00"))
    run_id = plan_run(services, operator, AS_OF, "cli").run_id
    drafted = select(func.count()).select_from(RunItem).where(RunItem.run_id == run_id, RunItem.notice_id.is_not(None))
    started = time.perf_counter()
    wait(services, lambda: count(services, drafted) == letters and pending_count(services) == 0, "the drafts")
    print(f"drafted {letters} letters with 2 workers in {time.perf_counter() - started:.1f} s (not timed below)")
    with services.db.reading() as session:
        ids = list(session.execute(select(RunItem.id).where(RunItem.run_id == run_id).order_by(RunItem.id)).scalars())
    return operator, run_id, ids


def floor_seconds(services: Services, item_ids: list[str]) -> float:
    """Seconds for render + sign + put of these items' letters with the libraries only (the same services'
    adapters)."""
    with services.db.reading() as session:
        query = select(Notice).join(RunItem, RunItem.notice_id == Notice.id).where(RunItem.id.in_(item_ids))
        notices = list(session.execute(query).scalars())
        session.expunge_all()
    started = time.perf_counter()
    for notice in notices:
        request = LetterRequest(
            kind=notice.kind,
            variant=notice.variant,
            context=thaw(notice.letter_data, development_certificate=services.development_signing),
            title=LETTER_TITLES[notice.kind],
            attachments=letter_attachments(services, notice.letter_data, []),
        )
        signed = services.signer.sign(services.renderer.render(request).pdf, reason="bench floor")
        services.store.put(signed.pdf, content_type="application/pdf", document_class="notice")
    return time.perf_counter() - started


def execute_block(services: Services, operator: Actor, run_id: str, ids: list[str]) -> float:
    """Seconds from the approval's commit to the moment the workers marked the block's last message done (read
    from the outbox once everything is done): this process polls only every ``BLOCK_POLL`` seconds, so it takes
    next to no CPU from the workers, and its polling adds nothing to the figure."""
    done = select(func.count()).select_from(RunItem).where(RunItem.id.in_(ids), RunItem.state == "issued")
    decide(services, operator, run_id, ids, approve=True)
    started = datetime.now(UTC)
    condition = lambda: count(services, done) == len(ids) and pending_count(services) == 0  # noqa: E731
    wait(services, condition, "a block", poll=BLOCK_POLL)
    with services.db.reading() as session:
        ended = session.execute(select(func.max(OutboxMessage.done_at))).scalar_one() or started
    return (ended - started).total_seconds()


def pause(process: subprocess.Popen[bytes], on: bool) -> None:
    process.send_signal(signal.SIGSTOP if on else signal.SIGCONT)


def floor_sample(workers: dict[str, subprocess.Popen[bytes]], services: Services, item_ids: list[str]) -> float:
    """The floor's seconds for these items, measured with both workers stopped (left stopped)."""
    for process in workers.values():
        pause(process, True)
    return floor_seconds(services, item_ids)


def measure(stack: Stack, services: Services, letters: int, blocks: int) -> None:
    workers = {"A": stack.worker("worker-A", WORKER_ENV), "B": stack.worker("worker-B", WORKER_ENV)}
    with RssSampler({name: p.pid for name, p in workers.items()}) as rss:
        operator, run_id, ids = prepare(services, letters)
        freeze_heap()  # as the workers did after their first batch (the docstring)
        size = len(ids) // blocks
        order = [(1, 2, 2, 1)[n % 4] for n in range(blocks)]
        totals = {1: [0.0, 0], 2: [0.0, 0]}
        floor_total, floor_count = 0.0, 0
        floor_sample(workers, services, ids[:1])  # not counted: this process's first render loads fonts and code
        for n, processes in enumerate(order):
            block = ids[n * size : (n + 1) * size] if n < blocks - 1 else ids[n * size :]
            floor_total += floor_sample(workers, services, block[:FLOOR_LETTERS])
            floor_count += FLOOR_LETTERS
            pause(workers["A"], False)
            if processes == 2:
                pause(workers["B"], False)
            seconds = execute_block(services, operator, run_id, block)
            totals[processes][0] += seconds
            totals[processes][1] += len(block)
            print(
                f"block {n + 1}/{blocks}: {len(block)} letters by {processes} worker(s) in {seconds:6.1f} s", flush=True
            )
        floor_total += floor_sample(workers, services, ids[-FLOOR_LETTERS:])  # every block has one on each side
        floor_count += FLOOR_LETTERS
        pause(workers["A"], False)
        pause(workers["B"], False)
    one, two = (totals[k][1] / totals[k][0] for k in (1, 2))
    floor = floor_count / floor_total
    print(f"\nletters: {letters} mises en demeure, PAdES B-T (certomancer TSA), S3 Object Lock, PostgreSQL")
    print(f"1 worker:        {one:6.2f} letters/s  ({totals[1][1]} letters)")
    print(f"2 workers:       {two:6.2f} letters/s  ({totals[2][1]} letters)")
    print(f"bare libraries:  {floor:6.2f} letters/s  ({floor_count} letters, render + sign + put, this process)")
    print(f"scaling (2 workers / 1 worker): {two / one:.2f}  (target ≥ 1.8)")
    print(f"1 worker / bare libraries:      {one / floor:.2f}  (target ≥ 0.9)")
    for name in workers:
        print(rss.summary(f"{name}"))
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--letters", type=int, default=2000)
    parser.add_argument("--blocks", type=int, default=20, help="alternating blocks (1, 2, 2, 1 …); at least 2")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a plain kill still stops the stack
    if args.letters < args.blocks * FLOOR_LETTERS or args.blocks < 2:
        parser.error(f"--letters must be at least {FLOOR_LETTERS} × --blocks, and --blocks at least 2")
    with Stack.start() as stack:
        services = stack.services(FixedClock(NOW))
        try:
            measure(stack, services, args.letters, args.blocks)
        finally:
            services.db.engine.dispose()


if __name__ == "__main__":
    main()
