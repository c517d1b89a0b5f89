"""Load on the API (issue 18): concurrent clients against gunicorn + PostgreSQL + SeaweedFS on this machine.

    PYTHONPATH=. .venv/bin/python bench/load.py [--seconds 300] [--clients 50]

The stack is started here (``bench/_stack.py``: embedded PostgreSQL, SeaweedFS S3 with Object Lock), migrated,
then ``notice-service serve`` runs gunicorn (``NOTICE_WEB_SERVER=gunicorn``, ``deploy/gunicorn.conf.py``) on a
free loopback port, with the API's per-key quota off (one key is shared by every client here). One tenant;
each client gets its own debtor, invoice and case, created through the API before the clock starts.

Each client is a thread with its own HTTP session, looping until ``--seconds`` have passed (and never beyond
``--max-requests`` in all) over a weighted mix: reads (a debtor, a case), lists (debtors, invoices), drafts (a
reminder drafted on its case: a render) and issues (a draft issued: render, sign, store, audit). Every answer
that is not the expected status, and every exception (timeout, reset), is an error. Printed: requests and
errors per operation, p50/p99 latency per operation, throughput, and the RSS of each gunicorn worker at the
start (after a warm-up of a tenth of ``--seconds``, not counted) and the end. Loopback only; bounded in time
and count.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench._stack import Stack, rss_kib
from notice_service.cli.service import DEMO_PROFILE
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.services.seaweed import free_ports

MIX = (("read", 45), ("list", 30), ("draft", 17), ("issue", 8))
DEBTOR = {
    "kind": "business",
    "name": "Client Charge SARL",
    "siren": "404833048",
    "address": {"lines": ["8 avenue Jean Jaurès"], "postal_code": "75019", "city": "Paris", "country": "FR"},
}


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)
    count: int = 0

    def record(self, op: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[op].append(seconds)
            self.count += 1
            if error is not None:
                self.errors[op].append(error)


@dataclass
class Client:
    base: str
    key: str
    ids: dict[str, str]
    session: requests.Session = field(default_factory=requests.Session)
    drafts: list[str] = field(default_factory=list)

    def call(self, method: str, path: str, body: Any = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.key}"}
        return self.session.request(method, self.base + path, json=body, headers=headers, timeout=120)

    def step(self, op: str, rng: random.Random) -> tuple[int, int]:
        """One operation: answers (expected status, status)."""
        if op == "read":
            path = rng.choice([f"/v1/debtors/{self.ids['debtor_id']}", f"/v1/cases/{self.ids['case_id']}"])
            return 200, self.call("GET", path).status_code
        if op == "list":
            return 200, self.call("GET", rng.choice(["/v1/debtors?limit=20", "/v1/invoices?limit=20"])).status_code
        if op == "issue" and self.drafts:
            return 200, self.call("POST", f"/v1/notices/{self.drafts.pop()}/issue").status_code
        body = {"kind": "reminder", "as_of": "2026-06-30"}
        answer = self.call("POST", f"/v1/cases/{self.ids['case_id']}/notices", body)
        if answer.status_code == 201:
            self.drafts.append(answer.json()["id"])
        return 201, answer.status_code


def seed(base: str, key: str, n: int) -> dict[str, str]:
    session = requests.Session()
    headers = {"Authorization": f"Bearer {key}"}

    def post(path: str, body: Any) -> Any:
        answer = session.post(base + path, json=body, headers=headers, timeout=60)
        if answer.status_code != 201:
            raise RuntimeError(f"seeding {path}: {answer.status_code} {answer.text[:500]}")
        return answer.json()

    debtor = post("/v1/debtors", {**DEBTOR, "name": f"Client {n:03d} SARL"})["id"]
    invoice = {"debtor_id": debtor, "number": f"F-{n:03d}", "issue_date": "2026-03-01", "due_date": "2026-03-31"}
    invoice_id = post("/v1/invoices", {**invoice, "amount_due": "1234.56"})["id"]
    case = post("/v1/cases", {"debtor_id": debtor, "invoice_ids": [invoice_id]})["id"]
    return {"debtor_id": debtor, "case_id": case}


def client_loop(client: Client, results: Results, deadline: float, max_requests: int, seed_: int) -> None:
    rng = random.Random(seed_)
    ops, weights = [op for op, _ in MIX], [weight for _, weight in MIX]
    while time.monotonic() < deadline and results.count < max_requests:
        op = rng.choices(ops, weights)[0]
        if op == "issue" and not client.drafts:
            op = "draft"
        started = time.perf_counter()
        try:
            expected, status = client.step(op, rng)
            error = None if status == expected else f"HTTP {status}"
        except requests.RequestException as exc:
            error = type(exc).__name__
        results.record(op, time.perf_counter() - started, error)


def drive(clients: list[Client], results: Results, seconds: float, max_requests: int, seed_base: int) -> float:
    """Every client loops in its own thread for ``seconds``; answers the elapsed time (the last answer included)."""
    started = time.monotonic()
    threads = [
        threading.Thread(target=client_loop, args=(c, results, started + seconds, max_requests, seed_base + n))
        for n, c in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def gunicorn_workers(master: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            children.append(int(stat.parent.name))
    return sorted(children)


def wait_for_http(base: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(results: Results, seconds: float, rss_start: dict[int, int], rss_end: dict[int, int]) -> None:
    total_errors = sum(len(e) for e in results.errors.values())
    print(f"\n{results.count} requests in {seconds:.0f} s ({results.count / seconds:.1f}/s), errors: {total_errors}")
    print(f"{'operation':<8} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for op, _ in MIX:
        values = results.latencies.get(op, [])
        if not values:
            continue
        p50, p99 = percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000
        errors = results.errors.get(op, [])
        print(f"{op:<8} {len(values):>8} {len(errors):>6} {p50:>8.0f} {p99:>8.0f} {max(values) * 1000:>8.0f}")
        if errors:
            print(f"         errors: {sorted(set(errors))[:5]}")
    print(f"mean latency of reads: {statistics.mean(results.latencies.get('read', [0.0])) * 1000:.0f} ms")
    for pid in rss_start:
        start, end = rss_start[pid] / 1024, rss_end.get(pid, 0) / 1024
        print(f"gunicorn worker {pid}: RSS at start {start:6.1f} MiB, at end {end:6.1f} MiB ({end - start:+.1f} MiB)")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--web-workers", type=int, default=2)
    args = parser.parse_args()
    if not 1 <= args.clients <= 500 or not 1 <= args.seconds <= 3600:
        parser.error("--clients 1 to 500, --seconds 1 to 3600")
    with Stack.start(tsa=False) as stack:
        services = stack.services()
        key = create_tenant(services, name="Charge SAS", siren="732829320", profile=DEMO_PROFILE).api_key
        services.db.engine.dispose()
        port = free_ports(1)[0]
        env = {"NOTICE_WEB_SERVER": "gunicorn", "NOTICE_HOST": "127.0.0.1", "NOTICE_PORT": str(port)}
        env |= {"NOTICE_WEB_WORKERS": str(args.web_workers), "NOTICE_RATE_LIMIT_REQUESTS": "0"}
        env |= {"NOTICE_LOG_LEVEL": "WARNING", "PROMETHEUS_MULTIPROC_DIR": str(stack.work / "prometheus")}
        (stack.work / "prometheus").mkdir()
        master = stack.spawn(["-m", "notice_service.cli", "serve"], "gunicorn", env)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(base)
        except RuntimeError:
            print(stack.log("gunicorn")[-3000:])
            raise
        clients = [Client(base, key, seed(base, key, n)) for n in range(args.clients)]
        workers = gunicorn_workers(master.pid)
        warm = Results()  # not counted: every worker renders, signs and stores a first letter (fonts, caches)
        drive(clients, warm, args.seconds / 10, args.max_requests, 1000)
        warm_errors = sum(len(e) for e in warm.errors.values())
        print(f"warm-up: {warm.count} requests in {args.seconds / 10:.0f} s (not counted), errors: {warm_errors}")
        rss_start = {pid: rss_kib(pid) for pid in workers}
        results = Results()
        elapsed = drive(clients, results, args.seconds, args.max_requests, 0)
        rss_end = {pid: rss_kib(pid) for pid in workers}
        if gunicorn_workers(master.pid) != workers:
            print(f"gunicorn workers changed during the run: {workers} → {gunicorn_workers(master.pid)}")
        report(results, elapsed, rss_start, rss_end)


if __name__ == "__main__":
    main()
