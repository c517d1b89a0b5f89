"""``notice-service users create``: a person of a tenant, with a one-time password printed once; and the
embedded profile's demo login (``init`` prints it next to the API key, kept in ``var/demo-login``)."""

from __future__ import annotations

import argparse
import json

from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.actor import Actor

DEMO_EMAIL = "demo@demo.example"


def services_for(settings: Settings) -> Services:
    from notice_service.bootstrap import build_services

    return build_services(settings)


def _operator(tenant_id: str) -> Actor:
    return Actor(tenant_id, "operator", "cli")


def cmd_users_create(settings: Settings, args: argparse.Namespace) -> int:
    from notice_service.use_cases.users.accounts import create_user

    created = create_user(services_for(settings), _operator(args.tenant), args.email, args.role)
    if args.json:
        print(
            json.dumps({"id": created.id, "email": created.email, "role": created.role, "password": created.password})
        )
    else:
        print(f"User: {created.id} ({created.role})\nE-mail: {created.email}\nOne-time password: {created.password}")
    return 0


def demo_login(services: Services, settings: Settings, api_key: str) -> str:
    """The demo account's ``e-mail / password`` (an admin of the demo tenant), created on first call."""
    from notice_service.use_cases.tenants.onboarding import authenticate
    from notice_service.use_cases.users.accounts import create_user

    login_file = settings.data_dir / "demo-login"
    if not login_file.exists():
        tenant_id = authenticate(services, api_key).tenant_id
        created = create_user(services, _operator(tenant_id), DEMO_EMAIL, "admin")
        login_file.write_text(f"{created.email} / {created.password}\n", encoding="utf-8")
        login_file.chmod(0o600)
    return login_file.read_text(encoding="utf-8").strip()


def add_users_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = commands.add_parser("users", help="people of the back office").add_subparsers(dest="action", required=True)
    create = users.add_parser("create", help="create a person; prints a one-time password")
    create.add_argument("--tenant", required=True, help="the tenant's id")
    create.add_argument("--email", required=True)
    create.add_argument("--role", required=True, choices=["admin", "credit", "approver", "lawyer", "viewer"])
    create.add_argument("--json", action="store_true", help="print JSON")
    create.set_defaults(handler=cmd_users_create)
