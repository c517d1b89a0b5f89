"""A tenant's ledger produced through the real use cases, worker and adapters, for the audit tests.

``ledger_services`` builds the service like production does (``build_services``) on a temporary directory:
SQLite or PostgreSQL, the write-once filesystem store, the Ed25519 checkpoint key generated under
``var/keys``, and the certomancer TSA over HTTP (its root as the trust anchor) when one is given.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from notice_service.adapters.system_clock import FixedClock
from notice_service.bootstrap import build_services
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.claims.debtors import DebtorInput, register_debtor
from notice_service.use_cases.tenants.onboarding import create_tenant
from notice_service.worker import run_until_idle
from tests.services.tsa import TsaService

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def ledger_services(
    data_dir: Path, database_url: str, tsa: TsaService | None, every_records: int = 6, every_seconds: int = 3600
) -> Services:
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        tsa_urls=(tsa.url,) if tsa else (),
        tsa_roots_pem=tsa.root_pem_path if tsa else None,
        checkpoint_every_records=every_records,
        checkpoint_every_seconds=every_seconds,
    )
    return build_services(settings, clock=FixedClock(NOW))


def drain(services: Services) -> None:
    run_until_idle(services)


def new_tenant(services: Services) -> Actor:
    created = create_tenant(services, name="Atelier Durand", siren="404833048")
    return Actor(created.tenant_id, "api_key", "test-key")


def register_debtors(services: Services, actor: Actor, count: int) -> None:
    for number in range(count):
        data = DebtorInput(
            kind="business",
            name=f"Client {number}",
            address_lines=(f"{number} rue de la Paix",),
            postal_code="75002",
            city="Paris",
            siren="732829320",
        )
        register_debtor(services, actor, data)
