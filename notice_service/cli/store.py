"""``notice-service store sweep``: report the store's objects that no database row refers to (never deletes).

One line per orphan (key, size, retention, ``locked`` while under Object Lock, ``pending`` for an audit segment
the next mirror run adopts), then a summary; ``--json`` prints the report as one JSON object. The exit status
is 0 whether or not orphans were found: a crash between a store write and its commit leaves them by design
(README "Reliability and security").
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from notice_service.settings import Settings


def cmd_store_sweep(settings: Settings, args: argparse.Namespace) -> int:
    from notice_service.bootstrap import build_services
    from notice_service.use_cases.store_sweep import sweep_store

    services = build_services(settings)
    try:
        report = sweep_store(services)
    finally:
        services.db.engine.dispose()
    orphans = [
        {
            "key": orphan.key,
            "size": orphan.size,
            "retain_until": orphan.retain_until.isoformat() if orphan.retain_until else None,
            "locked": orphan.locked,
            "pending": orphan.pending,
        }
        for orphan in report.orphans
    ]
    if args.json:
        print(json.dumps({"objects": report.objects, "referenced": report.referenced, "orphans": orphans}))
        return 0
    for orphan in orphans:
        flags = " ".join(flag for flag in ("locked", "pending") if orphan[flag])
        until = f" retained until {orphan['retain_until']}" if orphan["retain_until"] else ""
        print(f"orphan {orphan['key']} ({orphan['size']} bytes){until}{' ' + flags if flags else ''}")
    print(f"{report.objects} objects, {report.referenced} referenced, {len(orphans)} orphaned (nothing deleted)")
    return 0


def add_store_parser(commands: Any) -> None:
    store = commands.add_parser("store", help="the document store").add_subparsers(dest="action", required=True)
    sweep = store.add_parser("sweep", help="list objects no database row refers to (never deletes)")
    sweep.add_argument("--json", action="store_true", help="print the report as JSON")
    sweep.set_defaults(handler=cmd_store_sweep)
