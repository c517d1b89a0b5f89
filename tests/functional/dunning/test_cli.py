"""``notice-service runs plan|show|approve|execute``: real processes on a real data directory (SQLite)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from tests.functional.dunning.support import Desk, desk_app, desk_services

REPO = Path(__file__).resolve().parents[3]
STEP = {"offset_days": 1, "action": "reminder", "channel": "letter", "mode": "manual"}


def _cli(data_dir: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NOTICE_DATA_DIR": str(data_dir), "NOTICE_DATABASE_URL": url}
    command = [sys.executable, "-m", "notice_service.cli", "runs", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, check=False, timeout=600)


def test_plan_approve_execute_from_the_shell(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'notice.db'}"
    services = desk_services(tmp_path, url)
    desk = Desk(services, desk_app(services))
    desk.ok(desk.api.post("/v1/plans", {"name": "Manuel", "steps": [STEP], "default": True}), 201)
    for n in range(3):
        desk.invoice(desk.debtor(), f"F-{n}", date(2026, 3, 2))
    services.db.engine.dispose()

    planned = _cli(tmp_path, url, "plan", "--as-of", "2026-03-09", "--json")
    assert planned.returncode == 0, planned.stderr
    assert planned.stdout.startswith("planned in "), planned.stdout
    run = json.loads(planned.stdout.split("\n", 1)[1])
    assert run["counts"]["proposed"] == 3 and run["status"] == "open"

    refused = _cli(tmp_path, url, "approve", run["id"])
    assert refused.returncode == 2 and "--all or --item" in refused.stderr
    approved = _cli(tmp_path, url, "approve", run["id"], "--all")
    assert approved.returncode == 0 and approved.stdout.strip() == "approved 3 items", approved.stderr

    executed = _cli(tmp_path, url, "execute", run["id"])
    assert executed.returncode == 0, executed.stderr
    bars = [line for line in executed.stderr.splitlines() if line.startswith("[")]
    assert bars[0].startswith("[" + "." * 30 + "] 0/3 done")
    assert bars[-1].startswith("[" + "#" * 30 + "] 3/3 done")
    assert f"run {run['id']} as of 2026-03-09: completed, 3 items (issued=3)" in executed.stdout

    shown = _cli(tmp_path, url, "show", run["id"], "--json")
    assert json.loads(shown.stdout)["counts"]["issued"] == 3
    unknown = _cli(tmp_path, url, "show", "no-such-run")
    assert unknown.returncode == 1 and "No run with id no-such-run" in unknown.stderr
