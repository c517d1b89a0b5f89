"""Page speed of the back office: p95 server time of each page with 10,000 cases in the tenant, and of the case
page with 200 timeline entries, and of the runs' pages with a run over those 10,000 cases.

    PYTHONPATH=. .venv/bin/python bench/pages.py [--cases 10000] [--samples 60]

SQLite (the embedded profile) in a temporary directory, a fixed clock. The tenant's 10,000 debtors, invoices
(past due, some partly paid) and cases are inserted in bulk (their audit records are not needed by the pages
measured); one more case gets 200 timeline entries the way they happen: payments recorded through the use
case, each an audit record on its invoice, plus its opening. A person signs in through the login form; each
figure is ``--samples`` requests through the Flask test client (routing, session, CSRF, the use cases, the
template). Targets: p95 < 200 ms for every page, < 300 ms for the case page with 200 timeline entries. The run
is planned through the use case, as a person's form does; its page lists the proposal (the first 100 items) by step.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import insert

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.db.models.cases import Case, CaseInvoice
from notice_service.db.models.claims import Debtor, Invoice, Payment
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.claims.payments import PaymentInput, record_payment
from notice_service.use_cases.dunning.planning import plan_run
from notice_service.use_cases.dunning.plans import create_plan
from notice_service.use_cases.dunning.queries import run_view
from notice_service.use_cases.tenants.onboarding import create_tenant
from notice_service.use_cases.users.accounts import create_user
from tests.functional.conftest import CREDITOR_PROFILE, Api
from tests.functional.lifecycle_support import case, debtor, invoice

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def bulk_load(services: Services, tenant_id: str, cases: int) -> None:
    """``cases`` debtors, each with one invoice past due (a third partly paid) and one open case."""
    debtors, invoices, case_rows, links, payments = [], [], [], [], []
    for n in range(cases):
        created = NOW - timedelta(minutes=cases - n)
        debtor_id, invoice_id, case_id = (str(uuid.uuid4()) for _ in range(3))
        debtors.append(
            {
                "id": debtor_id,
                "tenant_id": tenant_id,
                "kind": "business",
                "name": f"Client {n:05d} SARL",
                "siren": None,
                "address_lines": ["1 rue du Port"],
                "postal_code": "69002",
                "city": "Lyon",
                "country": "FR",
                "created_at": created,
            }
        )
        due = date(2026, 1, 1) + timedelta(days=n % 300)
        invoices.append(
            {
                "id": invoice_id,
                "tenant_id": tenant_id,
                "debtor_id": debtor_id,
                "number": f"B-{n:06d}",
                "issue_date": due - timedelta(days=30),
                "due_date": due,
                "amount_due": Decimal(100 + n % 900),
                "currency": "EUR",
                "status": "open",
                "created_at": created,
            }
        )
        case_rows.append(
            {
                "id": case_id,
                "tenant_id": tenant_id,
                "debtor_id": debtor_id,
                "reference": f"DOS-B-{n:06d}",
                "status": "open",
                "ladder_stage": None,
                "unpaid_due": due,
                "created_at": created,
            }
        )
        links.append({"case_id": case_id, "invoice_id": invoice_id, "position": 0})
        if n % 3 == 0:
            payments.append(
                {
                    "id": str(uuid.uuid4()),
                    "tenant_id": tenant_id,
                    "invoice_id": invoice_id,
                    "amount": Decimal(10),
                    "paid_on": due + timedelta(days=5),
                    "reference": None,
                    "created_at": created,
                }
            )
    with services.db.transaction() as session:
        for model, rows in (
            (Debtor, debtors),
            (Invoice, invoices),
            (Case, case_rows),
            (CaseInvoice, links),
            (Payment, payments),
        ):
            session.execute(insert(model), rows)


def long_case(services: Services, client: FlaskClient, api_key: str, tenant_id: str, entries: int) -> str:
    """A case whose timeline has ``entries`` records: opened, its invoice, then payments through the use case."""
    api = Api(client, api_key)
    debtor_id = debtor(api)
    invoice_id = invoice(api, debtor_id, "F-LONG", "100000.00")
    case_id = case(api, debtor_id, invoice_id)
    actor = Actor(tenant_id, "operator", "bench")
    for n in range(entries - 2):
        record_payment(
            services, actor, PaymentInput(invoice_id, Decimal("1.00"), date(2026, 4, 1) + timedelta(days=n % 200))
        )
    timeline = api.get(f"/v1/cases/{case_id}").json["timeline"]
    print(f"case with {len(timeline)} timeline entries")
    return case_id


def planned_run(services: Services, tenant_id: str) -> str:
    """Today's run over every case, as planned (the worker has not drafted anything yet): what the approver
    opens first. The tenant's default plan asks for approval of its reminder, so every item is a proposal."""
    actor = Actor(tenant_id, "operator", "bench")
    steps = [{"offset_days": 1, "action": "reminder", "channel": "email", "mode": "manual"}]
    create_plan(services, actor, "Relance approuvée", steps, default=True)
    started = time.perf_counter()
    planned = plan_run(services, actor, NOW.date())
    counts = run_view(services, Actor(tenant_id, "operator", "bench"), planned.run_id)["counts"]
    shown = {state: n for state, n in counts.items() if n}
    print(f"planned a run of {planned.items:,} items in {time.perf_counter() - started:.1f} s: {shown}")
    return planned.run_id


def sign_in(client: FlaskClient, email: str, password: str) -> None:
    token = _TOKEN.search(client.get("/app/login").get_data(as_text=True))
    assert token
    answer = client.post("/app/login", data={"email": email, "password": password, "csrf_token": token.group(1)})
    assert answer.status_code == 303


def measure(client: FlaskClient, path: str, samples: int) -> tuple[float, float]:
    client.get(path)  # warm: templates compiled, page images cached as in use
    figures = []
    for _ in range(samples):
        started = time.perf_counter()
        answer = client.get(path)
        figures.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    figures.sort()
    return statistics.median(figures), figures[max(0, int(len(figures) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'notice.db'}", run_worker=False)
        services = build_services(settings, clock=FixedClock(NOW))
        app = create_app(services=services)
        client = app.test_client()
        created = create_tenant(services, name="Atelier Durand", siren="404833048", profile=CREDITOR_PROFILE)
        started = time.perf_counter()
        bulk_load(services, created.tenant_id, args.cases)
        print(f"loaded {args.cases:,} debtors, invoices and cases in {time.perf_counter() - started:.1f} s")
        long_id = long_case(services, client, created.api_key, created.tenant_id, 200)
        person = create_user(services, Actor(created.tenant_id, "operator", "bench"), "bench@atelier.example", "admin")
        sign_in(client, person.email, person.password)
        run_id = planned_run(services, created.tenant_id)
        pages = {
            "tableau de bord": ("/app/", 200),
            "dossiers": ("/app/dossiers", 200),
            "dossiers, en retard": ("/app/dossiers?status=open&overdue=1", 200),
            "dossiers, étape relance": ("/app/dossiers?next_step=reminder", 200),
            "débiteurs": ("/app/debiteurs", 200),
            "débiteurs, recherche nom": ("/app/debiteurs?q=client%200999", 200),
            "débiteurs, recherche référence": ("/app/debiteurs?q=DOS-B-000042", 200),
            "paramètres": ("/app/parametres", 200),
            "dossier (200 entrées)": (f"/app/dossiers/{long_id}", 300),
            "tournées": ("/app/runs", 200),
            "tournée (proposition par étape)": (f"/app/runs/{run_id}", 200),
            "tournée, progression (htmx)": (f"/app/runs/{run_id}/progression", 200),
        }
        print(f"load average {os.getloadavg()[0]:.1f}; {args.samples} requests a page")
        print(f"{'page':34s} {'p50 ms':>8s} {'p95 ms':>8s} {'target':>7s}")
        for name, (path, target) in pages.items():
            p50, p95 = measure(client, path, args.samples)
            verdict = "ok" if p95 < target else "OVER"
            print(f"{name:34s} {p50:8.1f} {p95:8.1f} {target:>7d} {verdict}", flush=True)
        services.db.engine.dispose()


if __name__ == "__main__":
    main()
