"""``notice-service rates list|add``: the official rate tables in force, and an operator's addition (audited)."""

from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal

from notice_service.cli.service import services_for
from notice_service.settings import Settings


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
    add_rate(services_for(settings), data)
    print("Rate added (and recorded in every tenant's audit log).")
    return 0


def add_rates_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
