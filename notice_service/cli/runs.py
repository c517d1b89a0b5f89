"""``notice-service runs plan|show|approve|execute``: a tenant's dunning runs from the operator's shell.

``plan`` plans the run of a day (today in Paris by default) and lets the worker's handlers draft its letters
in-process; ``show`` prints the counts, progress and errors; ``approve`` approves items (``--all`` or
``--item ID``…); ``execute`` drains the outbox in-process until nothing of the run is left to do, with a live
progress bar on stderr (a line per change when stderr is not a terminal). All act as the ``operator``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from typing import Any

from notice_service.cli.service import services_for
from notice_service.services import Services
from notice_service.settings import Settings

BAR = 30


def _operator(tenant_id: str) -> Any:
    from notice_service.use_cases.actor import Actor

    return Actor(tenant_id, "operator", "cli")


def _tenant(services: Services, given: str | None) -> str | None:
    from notice_service.use_cases.tenants.onboarding import list_tenant_ids

    if given:
        return given
    tenants = list_tenant_ids(services)
    if len(tenants) == 1:
        return tenants[0]
    print(f"runs: {len(tenants)} tenants; name one with --tenant ID", file=sys.stderr)
    return None


def _print_run(view: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(view, default=str, indent=2))
        return
    counts = " ".join(f"{state}={count}" for state, count in view["counts"].items() if count)
    print(f"run {view['id']} as of {view['as_of']}: {view['status']}, {view['total']} items ({counts or 'none'})")
    progress = view["progress"]
    if progress["items_per_second"]:
        print(f"  {progress['items_per_second']} items/s, about {progress['estimated_seconds_left']} s left")
    for error in view["errors"]:
        print(f"  failed {error['item_id']} (case {error['case_id']}): {error['reason']}")


def cmd_plan(settings: Settings, args: argparse.Namespace) -> int:
    from notice_service.domain.deadlines import PARIS
    from notice_service.use_cases.dunning.planning import plan_run
    from notice_service.use_cases.dunning.queries import run_view
    from notice_service.worker import run_until_idle

    services = services_for(settings)
    tenant_id = _tenant(services, args.tenant)
    if tenant_id is None:
        return 1
    as_of = args.as_of or services.clock.now().astimezone(PARIS).date()
    planned = plan_run(services, _operator(tenant_id), as_of, "cli")
    print(f"planned in {planned.seconds:.2f} s: {planned.cases_loaded} open cases, {planned.items} items")
    run_until_idle(services)  # the drafts (and the automatic steps)
    _print_run(run_view(services, _operator(tenant_id), planned.run_id), args.json)
    return 0


def cmd_show(settings: Settings, args: argparse.Namespace) -> int:
    from notice_service.use_cases.dunning.queries import run_tenant, run_view

    services = services_for(settings)
    _print_run(run_view(services, _operator(run_tenant(services, args.run_id)), args.run_id), args.json)
    return 0


def cmd_approve(settings: Settings, args: argparse.Namespace) -> int:
    from notice_service.use_cases.dunning.decisions import decide
    from notice_service.use_cases.dunning.queries import run_tenant

    if not args.all and not args.item:
        print("runs approve: give --all or --item ID (repeatable)", file=sys.stderr)
        return 2
    services = services_for(settings)
    operator = _operator(run_tenant(services, args.run_id))
    approved = decide(services, operator, args.run_id, None if args.all else args.item, True)
    print(f"approved {approved} items")
    return 0


def progress_line(view: dict[str, Any]) -> str:
    counts = view["counts"]
    active = view["total"] - counts["rejected"] - counts["cancelled"] - counts["proposed"]
    done = active - counts["approved"]
    filled = BAR * done // active if active else BAR
    rate = view["progress"]["items_per_second"]
    tail = f" {rate} items/s, ~{view['progress']['estimated_seconds_left']} s left" if rate else ""
    failed = f", {counts['failed']} failed" if counts["failed"] else ""
    return f"[{'#' * filled}{'.' * (BAR - filled)}] {done}/{active} done{failed}{tail}"


def cmd_execute(settings: Settings, args: argparse.Namespace) -> int:
    from notice_service.use_cases.dunning.queries import run_tenant, run_view
    from notice_service.worker import run_one

    services = services_for(settings)
    operator = _operator(run_tenant(services, args.run_id))
    live, last = sys.stderr.isatty(), ""
    while True:
        view = run_view(services, operator, args.run_id)
        line = progress_line(view)
        if line != last:
            print(("\r" + line) if live else line, end="" if live else "\n", file=sys.stderr, flush=True)
            last = line
        if view["counts"]["approved"] == 0:
            break
        if run_one(services) == 0:
            time.sleep(0.2)  # another worker holds the run's messages, or a retry waits for its backoff
    if live:
        print(file=sys.stderr)
    _print_run(run_view(services, operator, args.run_id), args.json)
    return 1 if view["counts"]["failed"] else 0


def add_runs_parser(commands: Any) -> None:
    runs = commands.add_parser("runs", help="dunning runs").add_subparsers(dest="action", required=True)
    plan = runs.add_parser("plan", help="plan the run of a day: every step due, drafted")
    plan.add_argument("--tenant", help="the tenant (optional when there is one)")
    plan.add_argument("--as-of", type=date.fromisoformat, help="the day planned (Paris), today by default")
    show = runs.add_parser("show", help="a run's counts, progress and errors")
    approve = runs.add_parser("approve", help="approve a run's proposed items")
    approve.add_argument("--all", action="store_true", help="every proposed item whose draft is ready")
    approve.add_argument("--item", action="append", help="an item id (repeatable)")
    execute = runs.add_parser("execute", help="drain the run in-process with a progress bar")
    for parser in (show, approve, execute):
        parser.add_argument("run_id")
    for parser, handler in ((plan, cmd_plan), (show, cmd_show), (approve, cmd_approve), (execute, cmd_execute)):
        parser.add_argument("--json", action="store_true", help="print the run as JSON")
        parser.set_defaults(handler=handler)
