"""``notice-service init|serve|worker``: prepare the database, store and keys (and the embedded profile's demo
tenant), serve the API, drain the outbox.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from notice_service.services import Services
from notice_service.settings import Settings

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
    "mediator_name": "CM2C (Centre de la médiation de la consommation de conciliateurs de justice)",
    "mediator_url": "https://www.cm2c.net",
}


DEMO_NAME = "Démo Fournitures"
DEMO_SIREN = "732829320"


def services_for(settings: Settings) -> Services:
    """The adapters, built once for this command (imported late: ``--help`` needs none of them)."""
    from notice_service.bootstrap import build_services

    return build_services(settings)


def cmd_init(settings: Settings, _args: argparse.Namespace) -> int:
    from notice_service.db.engine import make_engine, migrate
    from notice_service.use_cases.tenants.onboarding import create_tenant, list_tenant_ids

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if getattr(_args, "create_bucket", False):
        create_bucket(settings)
    migrate(make_engine(settings.resolved_database_url))
    services = services_for(settings)
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
    from notice_service.cli.users import demo_login

    login = demo_login(services, settings, key_file.read_text(encoding="utf-8").strip())
    print(f"Demo login (http://{settings.host}:{settings.port}/app/): {login}")
    return 0


def cmd_serve(settings: Settings, _args: argparse.Namespace) -> int:
    from waitress import serve

    from notice_service.app import create_app
    from notice_service.observability.logs import configure_logging
    from notice_service.worker import start_thread

    if settings.profile == "embedded":
        cmd_init(settings, _args)
    if settings.web_server == "gunicorn":
        return serve_with_gunicorn(settings)
    configure_logging(settings.log_level)
    services = services_for(settings)
    app = create_app(services=services)
    if settings.run_worker:
        start_thread(services)
    print(f"Serving on http://{settings.host}:{settings.port} (API docs at /docs)", flush=True)
    serve(app, host=settings.host, port=settings.port, threads=8)
    return 0


def add_service_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = commands.add_parser("init", help="migrate, prepare store and keys, create the demo tenant")
    init.add_argument(
        "--create-bucket",
        action="store_true",
        help="with NOTICE_STORE=s3: create NOTICE_S3_BUCKET with Object Lock if it does not exist",
    )
    init.set_defaults(handler=cmd_init)
    commands.add_parser("serve", help="serve the API (and the worker thread)").set_defaults(handler=cmd_serve)
    commands.add_parser("ready", help="exit 0 when the database and the store answer").set_defaults(handler=cmd_ready)
    worker = commands.add_parser("worker", help="drain the outbox")
    worker.add_argument("--once", action="store_true", help="handle one batch and exit")
    worker.set_defaults(handler=cmd_worker)


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    import threading

    from notice_service.observability.logs import configure_logging
    from notice_service.worker import run_forever, run_once

    configure_logging(settings.log_level)
    services = services_for(settings)
    if settings.worker_metrics_port:
        from notice_service.observability.metrics import serve_process_metrics

        serve_process_metrics(settings.worker_metrics_port)
    if args.once:
        print(f"handled {run_once(services)} messages")
        return 0
    run_forever(services, threading.Event(), freeze=True)
    return 0


GUNICORN_CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def serve_with_gunicorn(settings: Settings) -> int:
    """Replace this process with gunicorn serving ``notice_service.wsgi:application`` (NOTICE_WEB_SERVER=gunicorn)."""
    config = settings.gunicorn_config or GUNICORN_CONFIG
    if not config.is_file():
        print(
            f"configuration error: no gunicorn configuration at {config}; set NOTICE_GUNICORN_CONFIG", file=sys.stderr
        )
        return 2
    argv = [sys.executable, "-m", "gunicorn", "--config", str(config), "notice_service.wsgi:application"]
    os.execv(sys.executable, argv)  # noqa: S606 (our own interpreter, fixed arguments)


def create_bucket(settings: Settings) -> None:
    """``init --create-bucket``: the S3 bucket with Object Lock (an existing one must already be locked)."""
    from notice_service.adapters.storage.s3_store import build_s3_client, create_locked_bucket

    if settings.store != "s3" or not settings.s3_bucket:
        print("--create-bucket: nothing to create (NOTICE_STORE is not s3)")
        return
    client = build_s3_client(
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
    )
    create_locked_bucket(client, settings.s3_bucket, region=settings.s3_region)
    print(f"Bucket {settings.s3_bucket} has Object Lock.")


def cmd_ready(settings: Settings, _args: argparse.Namespace) -> int:
    """The readiness of ``/readyz`` for processes without HTTP (the worker's probe): one line per check."""
    from sqlalchemy.exc import SQLAlchemyError

    from notice_service.use_cases.operations import readiness

    try:
        services = services_for(settings)  # the embedded profile migrates here: the database must answer
    except SQLAlchemyError as exc:
        print(f"database: cannot query the database: {type(getattr(exc, 'orig', None) or exc).__name__}")
        return 1
    checks = readiness(services)
    for check in checks:
        print(f"{check.name}: {check.detail}")
    return 0 if all(check.ok for check in checks) else 1
