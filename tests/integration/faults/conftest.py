"""The crash walk's world: one database and data directory per parameter (SQLite, PostgreSQL), shared by the
module's tests; a crash runs in a child process (``driver.py``, this checkout on ``PYTHONPATH``) armed with
``NOTICE_FAULT_POINT``, the restart runs here on the same database and store. Every scenario works in a tenant of
its own so its counts are its own; the store is shared, so orphans are compared before and after."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.outbox import OutboxMessage
from notice_service.faults import FAULT_EXIT
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.audit.verify import verify_tenant_ledger
from notice_service.use_cases.store_sweep import sweep_store
from notice_service.use_cases.tenants.onboarding import create_tenant
from notice_service.worker import run_until_idle
from tests.functional.conftest import CREDITOR_PROFILE, NOW, Api
from tests.services.smtp import ReceivedMail, running_smtp
from tests.services.workers import child_env

ROOT = Path(__file__).resolve().parents[3]
LEASE_SECONDS = 60  # outbox messages and idempotency claims of a dead process are taken over after this
SIREN = "404833048"
SENDER = "relances@atelier.example"


@dataclass
class World:
    services: Services
    clock: FixedClock
    environment: dict[str, str]
    client: Any
    smtp: list[ReceivedMail]

    def tenant(self, name: str) -> tuple[str, Api]:
        created = create_tenant(self.services, name=name, siren=SIREN, profile=CREDITOR_PROFILE)
        return created.tenant_id, Api(self.client, created.api_key)

    def crash(self, point: str, operation: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``operation`` in a child process armed at ``point``; it must die there."""
        died = self.child(operation, *args, NOTICE_FAULT_POINT=point)
        assert died.returncode == FAULT_EXIT, (point, died.returncode, died.stdout[-1000:], died.stderr[-3000:])
        assert f"fault point {point.partition('#')[0]} reached" in died.stderr
        return died

    def child(self, operation: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        env = {**self.environment, "FAULTS_NOW": self.clock.now().isoformat(), **extra}
        command = [sys.executable, "-m", "tests.integration.faults.driver", operation, *args]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False)

    def command(self, *argv: str) -> subprocess.CompletedProcess[str]:
        """``notice-service ARGV…`` in its own process (this checkout), on the world's database and store."""
        command = [sys.executable, "-m", "notice_service.cli", *argv]
        env = self.environment
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False)

    def outlive_the_lease(self) -> None:
        """The dead process's outbox lease and idempotency claim run out (the clock, not a sleep)."""
        self.clock.advance(timedelta(seconds=LEASE_SECONDS + 1))

    def drain(self) -> int:
        self.outlive_the_lease()
        return run_until_idle(self.services)

    def orphans(self) -> set[str]:
        return {orphan.key for orphan in sweep_store(self.services).orphans if not orphan.pending}

    def outbox(self, tenant_id: str, topic: str) -> int:
        return self.count(OutboxMessage, OutboxMessage.tenant_id == tenant_id, OutboxMessage.topic == topic)

    def audited(self, tenant_id: str, action: str) -> int:
        return self.count(AuditRecord, AuditRecord.tenant_id == tenant_id, AuditRecord.action == action)

    def count(self, model: Any, *where: Any) -> int:
        with self.services.db.reading() as session:
            return int(session.execute(select(func.count()).select_from(model).where(*where)).scalar_one())

    def assert_ledger_verifies(self, tenant_id: str) -> None:
        check = verify_tenant_ledger(self.services, tenant_id)
        assert check.failure is None, check.failure


def _environment(settings: Settings) -> dict[str, str]:
    return child_env(
        settings,
        NOTICE_SMTP_HOST="127.0.0.1",
        NOTICE_SMTP_PORT=str(settings.smtp_port),
        NOTICE_SMTP_FROM=SENDER,
        NOTICE_SMTP_STARTTLS="false",
        NOTICE_WORKER="none",
        NOTICE_WORKER_LEASE_SECONDS=str(LEASE_SECONDS),
        NOTICE_RATE_LIMIT_REQUESTS="0",
        NOTICE_WEBHOOK_ALLOW_PRIVATE_TARGETS="true",
    )


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir = tmp_path_factory.mktemp(f"faults-{request.param}")
    url = (
        f"sqlite:///{data_dir / 'notice.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    )
    clock = FixedClock(NOW)
    with running_smtp() as smtp:
        settings = Settings(
            data_dir=data_dir,
            database_url=url,
            worker_lease_seconds=LEASE_SECONDS,
            webhook_allow_private_targets=True,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_from=SENDER,
            smtp_starttls=False,
        )
        services = build_services(settings, clock=clock)
        with create_app(services=services).test_client() as client:
            yield World(services, clock, _environment(settings), client, smtp.messages)
        services.db.engine.dispose()


def printed(process: subprocess.CompletedProcess[str]) -> Any:
    """The JSON line a driver that was not killed printed last."""
    assert process.returncode == 0, process.stderr[-3000:]
    return json.loads(process.stdout.strip().splitlines()[-1])
