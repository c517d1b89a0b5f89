"""The ``notice-service`` command: a thin shell over the use cases.

``init`` migrates the database, prepares the store and the signing identity, and (embedded profile)
creates a demo tenant whose API key is kept in ``var/demo-api-key`` and printed as ``API key: …``;
``serve`` runs the API (waitress) with the worker in a thread; ``worker`` drains the outbox;
``tenants create`` manages tenants; ``audit verify|export|checkpoint`` (``cli_audit``) the audit ledgers;
``webhooks inbound-secret`` a tenant's secret for inbound provider events.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from notice_service.cli.audit import add_audit_parser
from notice_service.cli.dossier import add_dossier_parser
from notice_service.errors import ConfigurationError, NoticeError
from notice_service.services import Services
from notice_service.settings import Settings, load_settings

DEMO_PROFILE = {
    "legal_form": "SAS",
    "capital": "10 000 €",
    "rcs_city": "Paris",
    "vat_number": "FR40732829320",
    "address_lines": ["12 rue de la Paix"],
    "postal_code": "75002",
    "city": "Paris",
    "country": "FR",
    "email": "recouvrement@demo.example",
    "phone": "01 23 45 67 89",
    "iban": "FR7630006000011234567890189",
    "bic": "AGRIFRPP",
    "signatory_name": "Claire Martin",
    "signatory_role": "Responsable du recouvrement",
    "place": "Paris",
}
DEMO_NAME, DEMO_SIREN = "Démo Fournitures", "732829320"


def _services(settings: Settings) -> Services:
    from notice_service.bootstrap import build_services

    return build_services(settings)


def cmd_init(settings: Settings, _args: argparse.Namespace) -> int:
    from notice_service.db.engine import make_engine, migrate
    from notice_service.use_cases.tenants.onboarding import create_tenant, list_tenant_ids

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(make_engine(settings.resolved_database_url))
    services = _services(settings)
    services.store.check_health()
    if settings.profile != "embedded":
        print("Initialised.")
        return 0
    key_file = settings.data_dir / "demo-api-key"
    if not list_tenant_ids(services) or not key_file.exists():
        created = create_tenant(services, name=DEMO_NAME, siren=DEMO_SIREN, profile=DEMO_PROFILE)
        key_file.write_text(created.api_key + "\n", encoding="utf-8")
        key_file.chmod(0o600)
    print(f"API key: {key_file.read_text(encoding='utf-8').strip()}")
    return 0


def cmd_serve(settings: Settings, _args: argparse.Namespace) -> int:
    from waitress import serve

    from notice_service.app import create_app
    from notice_service.worker import start_thread

    if settings.profile == "embedded":
        cmd_init(settings, _args)
    services = _services(settings)
    app = create_app(services=services)
    if settings.run_worker:
        start_thread(services)
    print(f"Serving on http://{settings.host}:{settings.port} (API docs at /docs)", flush=True)
    serve(app, host=settings.host, port=settings.port, threads=8)
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    import threading

    from notice_service.worker import run_forever, run_once

    services = _services(settings)
    if args.once:
        print(f"handled {run_once(services)} messages")
        return 0
    run_forever(services, threading.Event())
    return 0


def cmd_tenants_create(settings: Settings, args: argparse.Namespace) -> int:
    from notice_service.use_cases.tenants.onboarding import create_tenant

    try:
        profile = json.loads(args.profile_json) if args.profile_json else None
    except json.JSONDecodeError as exc:
        print(f"error: --profile-json is not JSON: {exc}", file=sys.stderr)
        return 1
    created = create_tenant(_services(settings), name=args.name, siren=args.siren, profile=profile)
    if args.json:
        print(json.dumps({"tenant_id": created.tenant_id, "api_key": created.api_key}))
    else:
        print(f"Tenant: {created.tenant_id}\nAPI key: {created.api_key}")
    return 0


def cmd_tenants_update(settings: Settings, args: argparse.Namespace) -> int:
    from notice_service.use_cases.tenants.onboarding import update_profile

    try:
        changes = json.loads(args.profile_json)
    except json.JSONDecodeError as exc:
        print(f"error: --profile-json is not JSON: {exc}", file=sys.stderr)
        return 1
    if not isinstance(changes, dict):
        print("error: --profile-json must be a JSON object", file=sys.stderr)
        return 1
    print(json.dumps(update_profile(_services(settings), args.tenant_id, changes), ensure_ascii=False))
    return 0


def cmd_rates_list(settings: Settings, _args: argparse.Namespace) -> int:
    from notice_service.use_cases.official_rates import current_rate_tables

    tables = current_rate_tables(_services(settings))
    print(f"ECB main refinancing rate (history confirmed up to {tables.ecb_confirmed_until.isoformat()}):")
    for change in tables.ecb_changes:
        print(f"  {change.effective.isoformat()}  {change.rate:>6} %  {change.source}")
    print("Taux de l'intérêt légal (A particuliers / B autres cas):")
    for rate in tables.legal_rates:
        print(f"  {rate.label:<8} {rate.particuliers:>6} % / {rate.autres_cas:>6} %  {rate.source}")
    return 0


def cmd_rates_add(settings: Settings, args: argparse.Namespace) -> int:
    from notice_service.use_cases.official_rates import RateInput, add_rate

    data = RateInput(
        kind=args.kind,
        source=args.source,
        effective=args.effective,
        rate=args.rate,
        confirmed_until=args.confirmed_until,
        half_year=args.half_year,
        particuliers=args.particuliers,
        autres_cas=args.autres_cas,
    )
    add_rate(_services(settings), data)
    print("Rate added (and recorded in every tenant's audit log).")
    return 0


def _rates_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rates = commands.add_parser("rates", help="official rate tables").add_subparsers(dest="action", required=True)
    rates.add_parser("list", help="print the rate tables in force").set_defaults(handler=cmd_rates_list)
    add = rates.add_parser("add", help="add an official rate (audited)")
    add.add_argument("--kind", choices=["ecb", "legal"], required=True)
    add.add_argument("--source", required=True, help="the official publication (URL or JORF reference)")
    add.add_argument("--effective", type=date.fromisoformat, help="ECB: effective date, YYYY-MM-DD")
    add.add_argument("--rate", type=Decimal, help="ECB: the main refinancing rate in percent, e.g. 2.15")
    add.add_argument("--confirmed-until", type=date.fromisoformat, help="ECB: history checked up to this date")
    add.add_argument("--half-year", help="taux légal: e.g. 2026-S2")
    add.add_argument("--particuliers", type=Decimal, help="taux légal column A, percent")
    add.add_argument("--autres-cas", type=Decimal, help="taux légal column B, percent")
    add.set_defaults(handler=cmd_rates_add)


def cmd_webhooks_inbound_secret(settings: Settings, args: argparse.Namespace) -> int:
    from notice_service.use_cases.delivery.inbound import create_inbound_secret

    secret = create_inbound_secret(_services(settings), args.tenant, args.provider)
    print(f"Inbound {args.provider} secret for tenant {args.tenant} (shown once; it replaces any earlier one):")
    print(secret)
    return 0


def _webhooks_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    webhooks = commands.add_parser("webhooks", help="webhook secrets").add_subparsers(dest="action", required=True)
    inbound = webhooks.add_parser("inbound-secret", help="create a tenant's secret for inbound provider events")
    inbound.add_argument("--tenant", required=True, help="the tenant id")
    inbound.add_argument(
        "--provider",
        choices=["webhook", "merci_facteur"],
        default="webhook",
        help="webhook: a whsec_ Standard Webhooks secret; merci_facteur: the X-Mf-Webhook-Secret-Key value",
    )
    inbound.set_defaults(handler=cmd_webhooks_inbound_secret)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="notice-service", description=__doc__.splitlines()[0] if __doc__ else "")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="migrate, prepare store and keys, create the demo tenant").set_defaults(
        handler=cmd_init
    )
    commands.add_parser("serve", help="serve the API (and the worker thread)").set_defaults(handler=cmd_serve)
    worker = commands.add_parser("worker", help="drain the outbox")
    worker.add_argument("--once", action="store_true", help="handle one batch and exit")
    worker.set_defaults(handler=cmd_worker)
    tenants = commands.add_parser("tenants", help="manage tenants").add_subparsers(dest="action", required=True)
    create = tenants.add_parser("create", help="create a tenant and its first API key")
    create.add_argument("--name", required=True)
    create.add_argument("--siren", required=True)
    create.add_argument("--profile-json", help="creditor details for letters (legal_form, rcs_city, iban …)")
    create.add_argument("--json", action="store_true", help="print {tenant_id, api_key} as JSON")
    create.set_defaults(handler=cmd_tenants_create)
    update = tenants.add_parser("update", help="change a tenant's creditor profile (JSON merge; null removes)")
    update.add_argument("tenant_id")
    update.add_argument("--profile-json", required=True)
    update.set_defaults(handler=cmd_tenants_update)
    add_audit_parser(commands)
    add_dossier_parser(commands)
    _rates_parser(commands)
    _webhooks_parser(commands)
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


if __name__ == "__main__":
    sys.exit(main())
