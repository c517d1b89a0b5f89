"""``notice-service webhooks inbound-secret``: a tenant's secret for inbound provider events."""

from __future__ import annotations

import argparse

from notice_service.cli.service import services_for
from notice_service.settings import Settings


def cmd_webhooks_inbound_secret(settings: Settings, args: argparse.Namespace) -> int:
    from notice_service.use_cases.delivery.inbound import create_inbound_secret

    secret = create_inbound_secret(services_for(settings), args.tenant, args.provider)
    print(f"Inbound {args.provider} secret for tenant {args.tenant} (shown once; it replaces any earlier one):")
    print(secret)
    return 0


def add_webhooks_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
