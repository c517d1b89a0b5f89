"""``tools/pip_audit.py``, the dependency audit of ``make lint``, judged on pip-audit reports written here (the
real audit needs PyPI's advisory data over the network; ``make lint`` runs it): a new advisory fails, one
accepted with a reason and a review date ahead passes, an entry without a reason or past its review fails, an
allowed advisory no longer reported is called stale, and a report that cannot be read fails closed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "pip_audit.py"
REPORT = {
    "dependencies": [
        {"name": "flask", "version": "3.1.0", "vulns": []},
        {
            "name": "somepkg",
            "version": "1.0",
            "vulns": [{"id": "PYSEC-2099-1", "aliases": ["CVE-2099-1"], "fix_versions": ["1.1"], "description": "x"}],
        },
    ],
    "fixes": [],
}


def gate(tmp_path: Path, allow: str, report: object = REPORT) -> subprocess.CompletedProcess[str]:
    (tmp_path / "allow.toml").write_text(allow, encoding="utf-8")
    (tmp_path / "report.json").write_text(json.dumps(report) if not isinstance(report, str) else report)
    command = [sys.executable, str(SCRIPT), "--allow", str(tmp_path / "allow.toml")]
    command += ["--report", str(tmp_path / "report.json"), "--today", "2026-12-01"]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def entry(name: str = "CVE-2099-1", reason: str = "only its CLI is affected", review_by: str = "2027-01-01") -> str:
    return f'[[allow]]\nid = "{name}"\npackage = "somepkg"\nreason = "{reason}"\nreview_by = "{review_by}"\n'


def test_a_new_advisory_fails_and_is_named(tmp_path: Path) -> None:
    done = gate(tmp_path, "allow = []\n")
    assert done.returncode == 1
    assert "somepkg 1.0: PYSEC-2099-1 (1.1)" in done.stderr
    assert "2 packages, 1 advisories, 0 accepted" in done.stdout


def test_an_accepted_advisory_passes_by_any_of_its_names(tmp_path: Path) -> None:
    done = gate(tmp_path, entry())
    assert done.returncode == 0, done.stderr
    assert "1 advisories, 1 accepted" in done.stdout


def test_an_entry_without_a_reason_or_past_its_review_fails(tmp_path: Path) -> None:
    assert gate(tmp_path, entry(reason=" ")).returncode == 2
    late = gate(tmp_path, entry(review_by="2026-11-30"))
    assert late.returncode == 2 and "review_by" in late.stderr


def test_a_stale_entry_is_reported(tmp_path: Path) -> None:
    clean = {"dependencies": [{"name": "flask", "version": "3.1.0", "vulns": []}]}
    done = gate(tmp_path, entry(), clean)
    assert done.returncode == 0 and "CVE-2099-1 is allowed but no longer reported" in done.stdout


def test_an_unreadable_report_fails_closed(tmp_path: Path) -> None:
    assert gate(tmp_path, "allow = []\n", "not json").returncode == 2


def test_the_shipped_allow_list_is_valid() -> None:
    allow = SCRIPT.parent / "pip-audit-allow.toml"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--allow", str(allow), "--report", "/dev/stdin"],
        input=json.dumps({"dependencies": []}),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
