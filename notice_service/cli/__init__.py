"""The ``notice-service`` command: a thin shell over the use cases.

``init`` migrates the database, prepares the store and the signing identity, and (embedded profile)
creates a demo tenant whose API key is kept in ``var/demo-api-key`` and printed as ``API key: …``;
``serve`` runs the API (waitress) with the worker in a thread; ``worker`` drains the outbox;
``tenants create|update`` manages tenants; ``audit verify|export|checkpoint`` the audit ledgers;
``dossier export`` a case's dossier; ``rates list|add`` the official rates;
``webhooks inbound-secret`` a tenant's secret for inbound provider events.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from notice_service.cli.audit import add_audit_parser
from notice_service.cli.dossier import add_dossier_parser
from notice_service.cli.privacy import add_privacy_parser
from notice_service.cli.rates import add_rates_parser
from notice_service.cli.runs import add_runs_parser
from notice_service.cli.service import add_service_parsers
from notice_service.cli.store import add_store_parser
from notice_service.cli.tenants import add_tenants_parser
from notice_service.cli.users import add_users_parser
from notice_service.cli.webhooks import add_webhooks_parser
from notice_service.errors import ConfigurationError, NoticeError
from notice_service.settings import load_settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="notice-service", description=__doc__.splitlines()[0] if __doc__ else "")
    commands = parser.add_subparsers(dest="command", required=True)
    add_service_parsers(commands)
    add_tenants_parser(commands)
    add_audit_parser(commands)
    add_dossier_parser(commands)
    add_rates_parser(commands)
    add_webhooks_parser(commands)
    add_users_parser(commands)
    add_runs_parser(commands)
    add_privacy_parser(commands)
    add_store_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("weasyprint", "fontTools", "alembic"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        return int(args.handler(settings, args))
    except ConfigurationError as error:
        print(f"configuration error: {error.detail}", file=sys.stderr)
        return 2
    except NoticeError as error:
        details = "; ".join(f"{e.field}: {e.message}" for e in error.errors)
        print(f"error: {error.detail}{' (' + details + ')' if details else ''}", file=sys.stderr)
        return 1
