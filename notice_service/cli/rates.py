"""``notice-service rates list|add|sync``: the official rate tables in force, an operator's addition, and the
sync from the official feeds (both audited)."""

from __future__ import annotations

import argparse

from notice_service.cli.service import services_for
from notice_service.settings import Settings
from notice_service.use_cases.official_rates import RATE_FIELDS


def cmd_rates_list(settings: Settings, _args: argparse.Namespace) -> int:
    from notice_service.use_cases.official_rates import current_rate_tables

    tables = current_rate_tables(services_for(settings))
    print(f"ECB main refinancing rate (history confirmed up to {tables.ecb_confirmed_until.isoformat()}):")
    for change in tables.ecb_changes:
        print(f"  {change.effective.isoformat()}  {change.rate:>6} %  {change.source}")
    print("Taux de l'intérêt légal (A particuliers / B autres cas):")
    for rate in tables.legal_rates:
        print(f"  {rate.label:<8} {rate.particuliers:>6} % / {rate.autres_cas:>6} %  {rate.source}")
    return 0


def cmd_rates_add(settings: Settings, args: argparse.Namespace) -> int:
    from notice_service.use_cases.official_rates import add_rate, rate_input

    services = services_for(settings)
    try:
        add_rate(services, rate_input(args.kind, args.source, vars(args)))
    finally:
        services.db.engine.dispose()  # close pooled connections now, not in a garbage collector
    print("Rate added (and recorded in every tenant's audit log).")
    return 0


def cmd_rates_sync(settings: Settings, args: argparse.Namespace) -> int:
    from dataclasses import replace

    from notice_service.use_cases.rate_sync import sources_from_settings, sync_rates

    services = services_for(settings)
    sources = sources_from_settings(services)
    if args.ecb_url:
        sources = replace(sources, ecb_url=args.ecb_url)
    if args.legal_url:
        sources = replace(sources, legal_url=args.legal_url)
    try:
        report = sync_rates(services, sources)
    finally:
        services.db.engine.dispose()  # close pooled connections now, not in a garbage collector
    for effective, rate in report.ecb_changes:
        print(f"ECB change added: {rate} % from {effective.isoformat()}")
    print(f"ECB history confirmed up to {report.ecb_confirmed_until.isoformat()}.")
    for label, rate in report.penalty_rates:
        print(f"  {label}: L441-10 rate {rate} % (ECB rate on the half-year's first day + 10 points)")
    for legal in report.legal_rates:
        print(f"Taux légal added: {legal.label} {legal.particuliers} % / {legal.autres_cas} %")
    if sources.legal_url is None:
        print("Taux légal not synced: set NOTICE_RATES_LEGAL_URL and NOTICE_RATES_LEGAL_SERIES.")
    print(f"{report.recorded} addition(s) recorded (and in every tenant's audit log).")
    return 0


def add_rates_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rates = commands.add_parser("rates", help="official rate tables").add_subparsers(dest="action", required=True)
    rates.add_parser("list", help="print the rate tables in force").set_defaults(handler=cmd_rates_list)
    add = rates.add_parser("add", help="add an official rate (audited)")
    add.add_argument("--kind", choices=["ecb", "legal"], required=True)
    add.add_argument("--source", required=True, help="the official publication (URL or JORF reference)")
    for field in RATE_FIELDS:
        add.add_argument(f"--{field.name.replace('_', '-')}", type=field.parse, help=field.help)
    add.set_defaults(handler=cmd_rates_add)
    sync = rates.add_parser("sync", help="fetch the ECB and taux légal feeds, check and add what is new (audited)")
    sync.add_argument(
        "--ecb-url", help="the ECB Data Portal SDMX-CSV answer (default NOTICE_RATES_ECB_URL, else the ECB's)"
    )
    sync.add_argument("--legal-url", help="the Webstat JSON export of the taux légal (default NOTICE_RATES_LEGAL_URL)")
    sync.set_defaults(handler=cmd_rates_sync)
