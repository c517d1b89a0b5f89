"""A ``notice-service worker`` process for ``test_worker_processes``: the real ``run_forever`` on settings read
from ``NOTICE_*`` variables, with two test handlers added. ``test.record`` writes (job, pid) to ``job_runs``
and takes a little time; ``test.block`` writes the same, then never returns in a process started with
``TEST_WORKER_BLOCKS=1`` (the test kills that process mid-job). SIGTERM stops the worker cleanly."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import text

from notice_service import worker
from notice_service.bootstrap import build_services
from notice_service.services import Services
from notice_service.settings import load_settings

JOB_SECONDS = 0.02


def _record(services: Services, payload: Mapping[str, Any]) -> None:
    with services.db.transaction() as session:
        session.execute(
            text("INSERT INTO job_runs (job, pid, started_at) VALUES (:job, :pid, clock_timestamp())"),
            {"job": str(payload["job"]), "pid": os.getpid()},
        )


def record_job(services: Services, _tenant_id: str, payload: Mapping[str, Any]) -> None:
    _record(services, payload)
    time.sleep(JOB_SECONDS)


def block_job(services: Services, _tenant_id: str, payload: Mapping[str, Any]) -> None:
    _record(services, payload)
    if os.environ.get("TEST_WORKER_BLOCKS") == "1":
        time.sleep(3600)


def main() -> None:
    services = build_services(load_settings())
    worker.HANDLERS["test.record"] = record_job
    worker.HANDLERS["test.block"] = block_job
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    Path(os.environ["TEST_WORKER_READY"]).write_text(str(os.getpid()), encoding="utf-8")
    try:
        worker.run_forever(services, stop)
    finally:
        services.db.engine.dispose()


if __name__ == "__main__":
    main()
