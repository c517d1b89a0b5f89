"""``notice-service privacy purge|export``: personal data (RGPD) from the operator's shell.

``purge --dry-run`` lists, per tenant, each debtor whose personal data would go, with each case and why
(``prescribed`` or ``retention_period``) and changes nothing; without ``--dry-run`` it purges them, one transaction
and one ``debtor:purged`` audit record each, and prints the documents kept under Object Lock and until when.
``--tenant`` limits it to one tenant, ``--before YYYY-MM-DD`` to cases closed before that day. ``export --tenant T
--debtor D --out FILE`` writes the right-of-access ZIP of one debtor (audited).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from notice_service.services import Services
from notice_service.settings import Settings


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: give YYYY-MM-DD") from None


def _tenants(services: Services, given: str | None) -> list[str] | None:
    from notice_service.use_cases.tenants.onboarding import list_tenant_ids

    known = list_tenant_ids(services)
    if given is None:
        return known
    if given not in known:
        print(f"privacy: no tenant {given} (see `notice-service tenants`)", file=sys.stderr)
        return None
    return [given]


def _print_candidate(found: dict[str, Any]) -> None:
    print(f"  debtor {found['debtor_id']} ({found['kind']}):")
    for case in found["cases"]:
        why = case["reason"] + (f", prescribed from {case['prescribed_from']}" if case["prescribed_from"] else "")
        print(f"    case {case['case_id']} ref {case['reference']}: closed {case['closed_on']}, {why}")
    scrubbed = found.get("scrubbed") or {}
    dossiers, deliveries = len(scrubbed.get("dossiers", [])), len(scrubbed.get("webhook_deliveries", []))
    if dossiers or deliveries:
        print(f"    also scrubbed: {dossiers} dossier(s), {deliveries} webhook delivery(ies)")


def run_purge(services: Services, tenant: str | None, before: date | None, dry_run: bool) -> int:
    """List (``dry_run``) or purge the purgeable debtors of ``tenant`` (or of every tenant), printing each."""
    from notice_service.use_cases.actor import Actor
    from notice_service.use_cases.privacy.purge import purge_debtor, purgeable

    tenants = _tenants(services, tenant)
    if tenants is None:
        return 2
    total = 0
    for tenant_id in tenants:
        found = purgeable(services, tenant_id, before)
        total += len(found)
        print(f"tenant {tenant_id}: {len(found)} debtor(s) {'would be' if dry_run else 'to be'} purged")
        for candidate in found:
            _print_candidate(candidate)
            if not dry_run:
                done = purge_debtor(services, Actor(tenant_id, "operator", "cli"), candidate["debtor_id"], before)
                print(f"    purged ({done.purge_id}); {len(done.retained)} stored document(s) kept:")
                for kept in done.retained:
                    print(f"      {kept['kind']} {kept['key']} until {kept['retain_until']} ({kept['source']})")
    print(f"dry run: {total} debtor(s) would be purged" if dry_run else f"{total} debtor(s) purged")
    return 0


def cmd_purge(settings: Settings, args: argparse.Namespace) -> int:
    from notice_service.bootstrap import build_services

    services = build_services(settings)
    try:
        return run_purge(services, args.tenant, args.before, args.dry_run)
    finally:
        services.db.engine.dispose()


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from notice_service.bootstrap import build_services
    from notice_service.use_cases.actor import Actor
    from notice_service.use_cases.privacy.export import export_debtor

    services = build_services(settings)
    try:
        if _tenants(services, args.tenant) is None:
            return 2
        exported = export_debtor(services, Actor(args.tenant, "operator", "cli"), args.debtor)
    finally:
        services.db.engine.dispose()
    out: Path = args.out
    out.write_bytes(exported.data)
    size, files = len(exported.data), len(exported.files)
    print(f"debtor {args.debtor}: {out} ({size} bytes, sha256 {exported.sha256}, {files} files)")
    return 0


def add_privacy_parser(commands: Any) -> None:
    privacy = commands.add_parser("privacy", help="personal data (RGPD): purge, access export")
    actions = privacy.add_subparsers(dest="action", required=True)
    purge = actions.add_parser("purge", help="purge the personal data of debtors whose cases are closed and prescribed")
    purge.add_argument("--dry-run", action="store_true", help="list what would go, change nothing")
    purge.add_argument("--tenant", help="only this tenant")
    purge.add_argument("--before", type=_day, metavar="YYYY-MM-DD", help="only cases closed before this day")
    purge.set_defaults(handler=cmd_purge)
    export = actions.add_parser("export", help="everything held about one debtor, as a ZIP (right of access)")
    export.add_argument("--tenant", required=True)
    export.add_argument("--debtor", required=True)
    export.add_argument("--out", type=Path, required=True, help="the ZIP file to write")
    export.set_defaults(handler=cmd_export)
