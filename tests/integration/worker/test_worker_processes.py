"""Worker processes against one PostgreSQL: real ``python -m`` processes running ``run_forever``.

Three workers drain 200 jobs and each job runs exactly once (``FOR UPDATE SKIP LOCKED``); a worker killed
with SIGKILL in the middle of a job leaves it leased, and another worker runs it once the lease
(``NOTICE_WORKER_LEASE_SECONDS``) has run out — not before.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from notice_service.bootstrap import build_services
from notice_service.db.models.outbox import OutboxMessage
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.tenants.onboarding import create_tenant

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[3]
JOBS, WORKERS = 200, 3
LEASE_SECONDS = 8


@dataclass
class Fleet:
    """The worker processes a test started; all of them are stopped at the end, killed if need be."""

    services: Services
    tenant_id: str
    data_dir: Path
    database_url: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, name: str, **extra_env: str) -> subprocess.Popen[bytes]:
        ready = self.data_dir / f"{name}.ready"
        env = {
            **os.environ,
            "NOTICE_DATABASE_URL": self.database_url,
            "NOTICE_DATA_DIR": str(self.data_dir),
            "NOTICE_WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
            "TEST_WORKER_READY": str(ready),
            **extra_env,
        }
        with (self.data_dir / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.integration.worker.worker_process_child"],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        wait_for(ready.exists, f"worker {name} ready", process)
        return process

    def enqueue(self, topic: str, jobs: list[str]) -> None:
        now = datetime.now(UTC)
        with self.services.db.transaction() as session:
            for job in jobs:
                session.add(
                    OutboxMessage(
                        tenant_id=self.tenant_id,
                        topic=topic,
                        payload={"job": job},
                        created_at=now,
                        available_at=now,
                        attempts=0,
                    )
                )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(condition: Callable[[], bool], what: str, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + 120
    while not condition():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the worker exited with {process.returncode} before: {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        time.sleep(0.1)


@pytest.fixture
def fleet(tmp_path: Path, postgres_url: str) -> Iterator[Fleet]:
    data_dir = tmp_path / "var"
    services = build_services(Settings(data_dir=data_dir, database_url=postgres_url))  # migrates, makes keys
    with services.db.transaction() as session:
        session.execute(
            text(
                "CREATE TABLE IF NOT EXISTS job_runs (job TEXT NOT NULL, pid INTEGER NOT NULL, started_at TIMESTAMPTZ)"
            )
        )
    tenant_id = create_tenant(services, name="Atelier Durand", siren="404833048").tenant_id
    started = Fleet(services, tenant_id, data_dir, postgres_url)
    try:
        yield started
    finally:
        started.stop()
        services.db.engine.dispose()


def runs(services: Services, prefix: str) -> list[tuple[str, int, datetime]]:
    with services.db.reading() as session:
        rows = session.execute(
            text("SELECT job, pid, started_at FROM job_runs WHERE job LIKE :prefix ORDER BY started_at"),
            {"prefix": prefix + "%"},
        ).all()
    return [(row[0], row[1], row[2]) for row in rows]


def pending(fleet: Fleet, topic: str) -> int:
    with fleet.services.db.reading() as session:
        query = select(func.count()).where(
            OutboxMessage.tenant_id == fleet.tenant_id, OutboxMessage.topic == topic, OutboxMessage.done_at.is_(None)
        )
        return int(session.execute(query).scalar_one())


def test_three_workers_run_each_of_200_jobs_exactly_once(fleet: Fleet) -> None:
    workers = [fleet.start(f"worker-{n}") for n in range(WORKERS)]
    jobs = [f"many-{n:03d}" for n in range(JOBS)]
    fleet.enqueue("test.record", jobs)
    wait_for(lambda: pending(fleet, "test.record") == 0, "every job done")

    done = runs(fleet.services, "many-")
    assert sorted(job for job, _, _ in done) == jobs, "each job ran exactly once: none missing, none twice"
    pids = {pid for _, pid, _ in done}
    assert pids <= {process.pid for process in workers}
    assert len(pids) >= 2, "the jobs were shared between processes"
    with fleet.services.db.reading() as session:
        attempts = session.execute(
            select(OutboxMessage.attempts, OutboxMessage.last_error).where(
                OutboxMessage.tenant_id == fleet.tenant_id, OutboxMessage.topic == "test.record"
            )
        ).all()
    assert {tuple(row) for row in attempts} == {(1, None)}, "each message was claimed once and never failed"


def test_a_killed_workers_job_is_run_by_another_after_its_lease(fleet: Fleet) -> None:
    victim = fleet.start("victim", TEST_WORKER_BLOCKS="1")
    fleet.enqueue("test.block", ["blocker"])
    wait_for(lambda: len(runs(fleet.services, "blocker")) == 1, "the victim started the job", victim)
    with fleet.services.db.reading() as session:
        leased = session.execute(
            select(OutboxMessage).where(OutboxMessage.tenant_id == fleet.tenant_id, OutboxMessage.topic == "test.block")
        ).scalar_one()
    assert leased.locked_until is not None and leased.attempts == 1 and leased.done_at is None

    survivor = fleet.start("survivor")  # polls while the victim still holds the lease
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    wait_for(lambda: pending(fleet, "test.block") == 0, "the survivor finished the job", survivor)

    [(_, first_pid, _), (_, second_pid, second_started)] = runs(fleet.services, "blocker")
    assert (first_pid, second_pid) == (victim.pid, survivor.pid)
    assert second_started >= leased.locked_until, "nobody took the job while its lease held"
    with fleet.services.db.reading() as session:
        finished = session.get_one(OutboxMessage, leased.id)
    assert finished.attempts == 2 and finished.done_at is not None and finished.last_error is None
