"""``notice-service dossier export CASE_ID --out FILE`` as an operator runs it, then ``audit/verify.py dossier``."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.settings import Settings
from notice_service.use_cases.official_rates import RateInput, add_rate
from tests.functional.conftest import Api
from tests.functional.dossier.test_export import run_verifier
from tests.functional.notices.test_formal_notice_flow import open_case
from tests.functional.test_cli import run_cli


def test_cli_export_writes_a_dossier_that_verifies(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    assert run_cli(data_dir, "init").returncode == 0
    api_key = (data_dir / "demo-api-key").read_text().strip()
    services = build_services(Settings(data_dir=data_dir))
    try:
        with create_app(services=services).test_client() as client:
            case_id = str(open_case(Api(client, api_key), with_pdf=True)["case_id"])
        today = datetime.now(UTC).date()
        semester = date(2026, 7, 1)
        while semester <= today:  # the rates the shipped tables lack, up to the real today the CLI computes at
            add_rate(services, RateInput(kind="ecb", effective=semester, rate=Decimal("2.15"), source="test"))
            semester = date(semester.year + semester.month // 7, 1 if semester.month == 7 else 7, 1)
    finally:
        services.db.engine.dispose()
    out = tmp_path / "dossier.zip"
    done = run_cli(data_dir, "dossier", "export", case_id, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "warning no_formal_notice" in done.stdout and f"python audit/verify.py dossier {out}" in done.stdout
    assert "pieces/01-facture-f-2026-0042.pdf" in zipfile.ZipFile(out).namelist()
    checked = run_verifier(out)
    assert checked.returncode == 0, checked.stdout
    missing = run_cli(data_dir, "dossier", "export", "no-such-case", "--out", str(tmp_path / "x.zip"))
    assert missing.returncode == 1 and "No case no-such-case" in missing.stderr
