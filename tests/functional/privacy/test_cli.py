"""``notice-service privacy purge|export``: the dry run lists per debtor and case why it would go and changes
nothing, the purge prints what it kept; ``export`` writes the ZIP; bad dates and unknown tenants exit 2 naming
them; on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest

from notice_service.cli.privacy import run_purge
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.lifecycle_support import tenant_id
from tests.functional.privacy.support import PRESCRIBED, held_debtor, move_to, personal_data_left, tenant_rows

pytestmark = pytest.mark.usefixtures("twin")
ROOT = Path(__file__).resolve().parents[3]


def run_cli(services: Services, *args: str) -> subprocess.CompletedProcess[str]:
    """The command in a real process, on the test's database and data directory, importing this checkout."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NOTICE_DATA_DIR": str(services.settings.data_dir),
        "NOTICE_DATABASE_URL": services.settings.database_url,
    }
    command = [sys.executable, "-m", "notice_service.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)


def test_dry_run_then_purge(api: Api, services: Services, capsys: pytest.CaptureFixture[str]) -> None:
    held = held_debtor(api)
    tenant = tenant_id(api)
    move_to(services, PRESCRIBED)
    before = tenant_rows(services, tenant)

    assert run_purge(services, tenant, None, dry_run=True) == 0
    listed = capsys.readouterr().out
    assert f"debtor {held['debtor_id']} (consumer)" in listed
    assert (
        f"case {held['case_id']} ref " in listed
        and "closed 2026-11-20, prescribed, prescribed from 2028-11-21" in listed
    )
    assert listed.strip().endswith("dry run: 1 debtor(s) would be purged")
    assert tenant_rows(services, tenant) == before
    assert run_purge(services, tenant, date(2026, 11, 20), dry_run=True) == 0
    assert "dry run: 0 debtor(s)" in capsys.readouterr().out

    assert run_purge(services, tenant, None, dry_run=False) == 0
    done = capsys.readouterr().out
    assert f"letter sha256/{held['notice']['document']['sha256']} until " in done
    assert done.strip().endswith("1 debtor(s) purged")
    assert personal_data_left(tenant_rows(services, tenant)) == []


def test_export_writes_the_zip_and_bad_input_exits_2(api: Api, services: Services, tmp_path: Path) -> None:
    held = held_debtor(api)
    tenant = tenant_id(api)
    out = tmp_path / "access.zip"
    written = run_cli(
        services, "privacy", "export", "--tenant", tenant, "--debtor", held["debtor_id"], "--out", str(out)
    )
    assert written.returncode == 0, written.stderr
    assert "debtor.json" in zipfile.ZipFile(out).namelist() and str(out) in written.stdout
    bad_day = run_cli(services, "privacy", "purge", "--dry-run", "--before", "2026-02-30")
    assert bad_day.returncode == 2 and "'2026-02-30' is not a date: give YYYY-MM-DD" in bad_day.stderr
    unknown = run_cli(services, "privacy", "purge", "--tenant", "no-such-tenant")
    assert unknown.returncode == 2 and "no tenant no-such-tenant" in unknown.stderr
    foreign = run_cli(services, "privacy", "export", "--tenant", tenant, "--debtor", "nope", "--out", str(out))
    assert foreign.returncode == 1 and "No debtor with id nope" in foreign.stderr
