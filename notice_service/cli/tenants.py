"""``notice-service tenants create|update|list|rotate-key``: a tenant with its first API key, its creditor profile,
the list of tenants (id, name, SIREN, creation time, active API keys), and an API key's rotation (a successor
now, the old key expiring after a grace period)."""

from __future__ import annotations

import argparse
import json
import sys

from notice_service.cli.service import services_for
from notice_service.settings import Settings


def cmd_tenants_create(settings: Settings, args: argparse.Namespace) -> int:
    from notice_service.use_cases.tenants.onboarding import create_tenant

    try:
        profile = json.loads(args.profile_json) if args.profile_json else None
    except json.JSONDecodeError as exc:
        print(f"error: --profile-json is not JSON: {exc}", file=sys.stderr)
        return 1
    created = create_tenant(services_for(settings), name=args.name, siren=args.siren, profile=profile)
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
    print(json.dumps(update_profile(services_for(settings), args.tenant_id, changes), ensure_ascii=False))
    return 0


def cmd_tenants_list(settings: Settings, args: argparse.Namespace) -> int:
    from notice_service.use_cases.tenants.onboarding import list_tenants

    rows = list_tenants(services_for(settings))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for row in rows:
        print(f"{row['id']}  {row['siren']}  {row['created_at']}  {row['active_keys']} key(s)  {row['name']}")
    print(f"{len(rows)} tenant(s)")
    return 0


def cmd_tenants_rotate_key(settings: Settings, args: argparse.Namespace) -> int:
    """Issue a successor of one of a tenant's keys; the old one keeps working for the grace period, then expires."""
    from datetime import timedelta

    from notice_service.use_cases.actor import Actor
    from notice_service.use_cases.tenants.api_keys import rotate_api_key

    operator = Actor(args.tenant_id, "operator", "cli")
    grace = timedelta(hours=args.grace_hours)
    successor, secret, previous = rotate_api_key(services_for(settings), operator, args.key_id, grace)
    if args.json:
        print(json.dumps({"successor": {**successor, "key": secret}, "previous": previous}))
    else:
        print(f"New API key: {secret}\nid: {successor['id']}\nThe old key expires at {previous['expires_at']}.")
    return 0


def add_tenants_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    listing = tenants.add_parser("list", help="list the tenants (id, SIREN, created, active keys, name)")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=cmd_tenants_list)
    rotate = tenants.add_parser("rotate-key", help="issue a successor of an API key; the old one expires after a grace")
    rotate.add_argument("tenant_id")
    rotate.add_argument("key_id")
    rotate.add_argument("--grace-hours", type=float, default=24.0, help="how long the old key still works (max 720)")
    rotate.add_argument("--json", action="store_true", help="print {successor (with its key), previous} as JSON")
    rotate.set_defaults(handler=cmd_tenants_rotate_key)
