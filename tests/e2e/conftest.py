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
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(
            f"http://127.0.0.1:{server.server_port}", services, make_people(services, created.tenant_id), case_id
        )
    finally:
        server.shutdown()
        services.db.engine.dispose()


def screenshot_dir(tmp_path: Path) -> Path:
    """``NOTICE_SCREENSHOTS`` (``tests/e2e/screenshots.py`` sets it to ``docs/pages``), else a temporary one."""
    target = Path(os.environ.get("NOTICE_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target
