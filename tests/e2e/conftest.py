"""The browser suite's live server: the whole app (SQLite, the filesystem store, WeasyPrint, pyHanko with a
development identity, a fixed clock) served by werkzeug in a thread on a free port, with a tenant, one person
per role and a case to chase. Chromium is Debian's (``make test`` installs it from apt): Playwright's own
browser download is not used.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.tenants.onboarding import create_tenant
from notice_service.worker import run_until_idle
from tests.functional.conftest import CREDITOR_PROFILE, Api
from tests.functional.lifecycle_support import case, debtor, invoice
from tests.functional.pages.support import Login, make_people

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
CHROMIUM = "/usr/bin/chromium"


@dataclass
class Live:
    url: str
    services: Services
    people: dict[str, Login]
    case_id: str
    api: Api


@pytest.fixture(scope="session")
def base_url() -> str | None:
    """No base URL: pages are opened by their full address (this replaces pytest-base-url's fixture, which
    pytest deprecates)."""
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's chromium; as root it needs ``--no-sandbox``."""
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": args}


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    data_dir = tmp_path_factory.mktemp("live")
    settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'notice.db'}")
    services = build_services(settings, clock=FixedClock(NOW))
    app = create_app(services=services)
    created = create_tenant(services, name="Atelier Durand", siren="404833048", profile=CREDITOR_PROFILE)
    api = Api(app.test_client(), created.api_key)
    debtor_id = debtor(api)
    case_id = case(api, debtor_id, invoice(api, debtor_id, "F-2026-0042", "1234.56"))
    other = debtor(api)
    case(api, other, invoice(api, other, "F-2026-0050", "480.00", due="2026-10-31"))
    garage = garage_on_a_manual_plan(api)
    case(api, garage, invoice(api, garage, "F-2026-0061", "700.00", due="2026-06-01"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(
            f"http://127.0.0.1:{server.server_port}", services, make_people(services, created.tenant_id), case_id, api
        )
    finally:
        server.shutdown()
        services.db.engine.dispose()


def garage_on_a_manual_plan(api: Api, name: str = "Garage Dupont SAS", siren: str = "552081317") -> str:
    """A debtor whose plan's reminder waits for an approver: a run of 30 June proposes it (once)."""
    steps = [{"offset_days": 1, "action": "reminder", "channel": "email"}]
    created = api.post("/v1/plans", {"name": f"Relance approuvée ({name})", "steps": steps})
    assert created.status_code == 201, created.json
    body = {
        "kind": "business",
        "name": name,
        "siren": siren,
        "address": {"lines": ["12 rue des Lilas"], "postal_code": "75019", "city": "Paris", "country": "FR"},
    }
    garage = api.post("/v1/debtors", body)
    assert garage.status_code == 201, garage.json
    chosen = api.client.put(
        f"/v1/debtors/{garage.json['id']}/plan", json={"plan_id": created.json["id"]}, headers=api.headers
    )
    assert chosen.status_code == 200, chosen.json
    return str(garage.json["id"])


def drain(live: Live) -> None:
    """What the worker process does, until nothing is left: in a thread of its own, since Playwright's sync API
    keeps an event loop running in the test's thread and pyHanko's signing calls ``asyncio.run``."""
    worker = threading.Thread(target=run_until_idle, args=(live.services,))
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "the worker did not finish"


def screenshot_dir(tmp_path: Path) -> Path:
    """``NOTICE_SCREENSHOTS`` (``tests/e2e/screenshots.py`` sets it to ``docs/pages``), else a temporary one."""
    target = Path(os.environ.get("NOTICE_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target
