"""``notice-service users create`` and the embedded profile's demo login, as an operator runs them: a real
process (this checkout's code: ``PYTHONPATH`` is the repository) on a real data directory, then a sign-in
through the pages with what was printed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.settings import Settings
from tests.functional.pages.support import Login, sign_in

ROOT = Path(__file__).resolve().parents[3]


def run_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NOTICE_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "notice_service.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=ROOT,
    )


def test_init_prints_a_demo_login_that_signs_in_and_users_create(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    first = run_cli(data_dir, "init")
    assert first.returncode == 0, first.stderr
    found = re.search(r"^Demo login \(http://127\.0\.0\.1:8000/app/\): (\S+) / (\S+)$", first.stdout, re.M)
    assert found and found.group(1) == "demo@demo.example"
    assert run_cli(data_dir, "init").stdout == first.stdout  # the same account, printed again
    assert (data_dir / "demo-login").stat().st_mode & 0o777 == 0o600
    services = build_services(Settings(data_dir=data_dir))
    tenant_id = services.db.engine.connect().exec_driver_sql("SELECT id FROM tenants").scalar_one()
    created = run_cli(
        data_dir,
        "users",
        "create",
        "--tenant",
        tenant_id,
        "--email",
        "Lea@Atelier.example",
        "--role",
        "approver",
        "--json",
    )
    assert created.returncode == 0, created.stderr
    body = json.loads(created.stdout)
    assert (body["email"], body["role"]) == ("lea@atelier.example", "approver") and len(body["password"]) >= 12
    again = run_cli(
        data_dir, "users", "create", "--tenant", tenant_id, "--email", "lea@atelier.example", "--role", "viewer"
    )
    assert again.returncode == 1 and "already" in again.stderr
    bad = run_cli(data_dir, "users", "create", "--tenant", tenant_id, "--email", "not-an-email", "--role", "viewer")
    assert bad.returncode == 1 and "email" in bad.stderr
    client = create_app(services=services).test_client()
    sign_in(client, Login(found.group(1), found.group(2), ""))
    assert "demo@demo.example (Administrateur)" in client.get("/app/").get_data(as_text=True)
    sign_in(client.application.test_client(), Login(body["email"], body["password"], body["id"]))
    services.db.engine.dispose()
