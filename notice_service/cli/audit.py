"""``notice-service audit …``: verify every ledger (from the database or the WORM store), export one, checkpoint.

``verify`` prints what it checked per tenant and exits 1 naming the first failure (reason, then the record
or checkpoint); with ``--tenant T --checkpoint FILE`` it also checks signed checkpoint notes held outside the
service (an earlier export's ``checkpoints/<size>.note``, a receipt), so a truncated tail or a fork shows.
``export`` checkpoints the log's head for itself first (``use_cases.audit.export``), so the export ends with a
signed, time-stamped head and that checkpoint's own anchor record, the one record no signature covers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notice_service.services import Services
from notice_service.settings import Settings

if TYPE_CHECKING:
    from notice_service.domain.audit.ledger import CheckpointEvidence


def _services(settings: Settings) -> Services:
    from notice_service.bootstrap import build_services

    return build_services(settings)


def _given_checkpoints(paths: list[Path]) -> list[CheckpointEvidence]:
    """The notes of ``--checkpoint FILE``; raises ``OSError`` naming the file that cannot be read."""
    from notice_service.domain.audit.ledger import CheckpointEvidence

    return [CheckpointEvidence(f"{path} (given)", path.read_bytes()) for path in paths]


def cmd_verify(settings: Settings, args: argparse.Namespace) -> int:
    """``audit verify``: each tenant's ledger (or one, with held checkpoints), the first failure named."""
    from notice_service.use_cases.audit.verify import verify_tenant_ledger
    from notice_service.use_cases.tenants.onboarding import list_tenant_ids

    if args.checkpoint and not args.tenant:
        print("audit verify: --checkpoint needs --tenant (a checkpoint belongs to one tenant's log)", file=sys.stderr)
        return 2
    try:
        known = _given_checkpoints(args.checkpoint or [])
    except OSError as exc:
        print(f"audit verify: --checkpoint {exc.filename}: cannot read it ({exc.strerror})", file=sys.stderr)
        return 2
    services = _services(settings)
    tenants = [args.tenant] if args.tenant else list_tenant_ids(services)
    for tenant_id in tenants:
        check = verify_tenant_ledger(services, tenant_id, args.source, known=known)
        print(f"tenant {tenant_id} ({args.source}):")
        for line in check.lines:
            print(f"  {line}")
        if check.failure is not None:
            print(f"  FAIL {check.failure.reason}: {check.failure.detail}")
            print(f"audit verify failed: tenant {tenant_id}: {check.failure}", file=sys.stderr)
            return 1
    print(f"{len(tenants)} tenant logs verified")
    return 0


def _only_tenant(services: Services) -> str | None:
    """The one tenant when there is exactly one; else ``None``, having said why on stderr."""
    from notice_service.use_cases.tenants.onboarding import list_tenant_ids

    tenants = list_tenant_ids(services)
    if len(tenants) == 1:
        return tenants[0]
    which = "no tenant yet" if not tenants else f"{len(tenants)} tenants (see `notice-service tenants list`)"
    print(f"audit export: there are {which}; name the log to export with --tenant ID", file=sys.stderr)
    return None


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """``audit export``: a checkpoint of the head taken for the export, then the log as it saw it."""
    from notice_service.use_cases.audit.export import export_ledger

    services = _services(settings)
    tenant_id = args.tenant or _only_tenant(services)
    if tenant_id is None:
        return 1
    summary = export_ledger(services, tenant_id, args.out)
    print(
        f"exported {summary.records} records, {summary.checkpoints} checkpoints, {summary.tokens} tokens to {args.out}"
        f" (checkpoint {summary.checkpoint_size} taken for this export covers all but its anchor record)"
    )
    print(f"check it with: python audit/verify.py log {args.out} --tsa-ca <trusted TSA roots PEM>")
    return 0


def cmd_checkpoint(settings: Settings, args: argparse.Namespace) -> int:
    """``audit checkpoint``: sign (and time-stamp) the head now."""
    from notice_service.use_cases.audit.checkpoint import checkpoint_log

    outcome = checkpoint_log(_services(settings), args.tenant)
    state = "signed" if outcome.created else "already signed"
    stamped = "time-stamped" if outcome.time_stamped else "no TSA configured"
    print(f"checkpoint {outcome.size} {state} ({stamped}); root {outcome.root}; anchor record {outcome.anchor_index}")
    return 0


def add_audit_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """The ``audit`` sub-commands and their options."""
    audit = commands.add_parser("audit", help="audit ledger").add_subparsers(dest="action", required=True)
    verify = audit.add_parser("verify", help="verify every tenant's ledger: records, tree, checkpoints, tokens")
    verify.add_argument("--source", choices=["database", "store"], default="database")
    verify.add_argument("--tenant", help="only this tenant")
    verify.add_argument(
        "--checkpoint",
        action="append",
        type=Path,
        metavar="FILE",
        help="a signed checkpoint note held outside the service (repeatable; needs --tenant)",
    )
    verify.set_defaults(handler=cmd_verify)
    export = audit.add_parser("export", help="export a tenant's ledger for audit/verify.py")
    export.add_argument("--tenant", help="the tenant whose log to export (may be left out when there is only one)")
    export.add_argument("--out", required=True, type=Path)
    export.set_defaults(handler=cmd_export)
    checkpoint = audit.add_parser("checkpoint", help="sign (and time-stamp) a checkpoint now")
    checkpoint.add_argument("--tenant", required=True)
    checkpoint.set_defaults(handler=cmd_checkpoint)
