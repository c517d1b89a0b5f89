"""``notice-service dossier export CASE_ID --out FILE``: export a case's evidence dossier as an operator.

The export is recorded (and audited) like one made through the API, with the operator as actor; the ZIP is
stored write-once like any export, written to ``FILE`` too, and its SHA-256 printed with the dossier's warnings.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from notice_service.settings import Settings


def cmd_dossier_export(settings: Settings, args: argparse.Namespace) -> int:
    from notice_service.bootstrap import build_services
    from notice_service.use_cases.actor import Actor
    from notice_service.use_cases.dossier.archive import case_tenant
    from notice_service.use_cases.dossier.export import ExportRequest, export_dossier

    services = build_services(settings)
    try:
        operator = Actor(case_tenant(services, args.case_id), "operator", "cli")
        out: Path = args.out
        exported = export_dossier(
            services,
            operator,
            ExportRequest(args.case_id, args.override_prescription, args.interest_until, args.court),
            out,
        )
    finally:
        services.db.engine.dispose()
    for warning in exported.warnings:
        print(f"warning {warning.code}: {warning.message}")
    print(f"dossier {exported.dossier_id}: {out} ({exported.size} bytes, sha256 {exported.sha256})")
    print(f"check it with: python audit/verify.py dossier {out}")
    return 0


def add_dossier_parser(commands: Any) -> None:
    dossier = commands.add_parser("dossier", help="evidence dossiers").add_subparsers(dest="action", required=True)
    export = dossier.add_parser("export", help="export a case's dossier for an injonction de payer (ZIP)")
    export.add_argument("case_id")
    export.add_argument("--out", type=Path, required=True, help="the ZIP file to write")
    export.add_argument("--override-prescription", metavar="REASON", help="export a prescribed claim (audited)")
    export.add_argument(
        "--interest-until",
        choices=["last_confirmed"],
        help="arrêté: interest up to the last day the confirmed rates cover, the later interest claimed in words",
    )
    export.add_argument(
        "--court", help="the court of the debtor's domicile, for a commune the table of courts does not hold"
    )
    export.set_defaults(handler=cmd_dossier_export)
