"""Driving the dunning engine day by day through the API, with a fixed clock moved from day to day.

``Desk`` is one tenant's credit desk: each ``day(d)`` sets the clock to 07:00 in Paris on ``d``, plans the run
of that day (``POST /v1/runs``), lets the worker draft the letters, approves every proposed item (a person
approving the manual steps), lets the worker issue them, and answers the items that moved that day.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.db.models.notices import Notice
from notice_service.domain.deadlines import PARIS
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.tenants.onboarding import create_tenant
from notice_service.worker import run_until_idle
from tests.functional.conftest import CREDITOR_PROFILE, Api

START = date(2026, 2, 23)
DEBTOR = {
    "kind": "business",
    "name": "Boulangerie Martin SARL",
    "siren": "732829320",
    "address": {"lines": ["8 avenue Jean Jaurès"], "postal_code": "75019", "city": "Paris", "country": "FR"},
}


def morning(day: date) -> datetime:
    return datetime.combine(day, time(7, 0), tzinfo=PARIS)


def days(first: date, last: date) -> Iterator[date]:
    while first <= last:
        yield first
        first += timedelta(days=1)


class Desk:
    def __init__(self, services: Services, client: FlaskClient, start: date = START) -> None:
        self.services = services
        self.clock = FixedClock(morning(start))
        services.clock = self.clock
        created = create_tenant(services, name="Atelier Durand", siren="404833048", profile=CREDITOR_PROFILE)
        self.tenant_id = created.tenant_id
        self.api = Api(client, created.api_key)

    def set_day(self, day: date) -> None:
        self.clock.advance(morning(day) - self.clock.now())

    def ok(self, response: Any, status: int = 200) -> Any:
        assert response.status_code == status, response.get_data(as_text=True)
        return response.json

    def debtor(self, **overrides: Any) -> str:
        return str(self.ok(self.api.post("/v1/debtors", {**DEBTOR, **overrides}), 201)["id"])

    def invoice(self, debtor_id: str, number: str, due: date, amount: str = "1000.00") -> str:
        body = {"debtor_id": debtor_id, "number": number, "issue_date": (due - timedelta(days=30)).isoformat()}
        body |= {"due_date": due.isoformat(), "amount_due": amount}
        return str(self.ok(self.api.post("/v1/invoices", body), 201)["id"])

    def settings(self, **changes: Any) -> Any:
        return self.ok(self.client_put("/v1/dunning/settings", changes))

    def client_put(self, path: str, body: Any) -> Any:
        return self.api.client.put(path, json=body, headers=self.api.headers)

    def day(self, day: date, approve: bool = True) -> list[dict[str, Any]]:
        """Run ``day`` as a credit desk does; answers the run's items after execution."""
        self.set_day(day)
        run = self.ok(self.api.post("/v1/runs", {"as_of": day.isoformat()}), 201)
        run_until_idle(self.services)  # the letters' drafts
        if approve and run["counts"]["proposed"]:
            self.ok(self.api.post(f"/v1/runs/{run['id']}/approve", {"all": True}))
            run_until_idle(self.services)
        return list(self.ok(self.api.get(f"/v1/runs/{run['id']}/items"))["data"])

    def notices_issued(self) -> int:
        with self.services.db.reading() as session:
            query = select(func.count()).select_from(Notice).where(Notice.tenant_id == self.tenant_id)
            query = query.where(Notice.status == "issued")
            return int(session.execute(query).scalar_one())


def desk_services(tmp_path: Path, database_url: str) -> Services:
    return build_services(Settings(data_dir=tmp_path, database_url=database_url), clock=FixedClock(morning(START)))


def desk_app(services: Services) -> FlaskClient:
    return create_app(services=services).test_client()
