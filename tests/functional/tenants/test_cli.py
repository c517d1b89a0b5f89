"""``notice-service tenants list`` and ``audit export`` without ``--tenant``, as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.functional.test_cli import run_cli


def test_tenants_list_and_export_of_the_only_tenant(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    assert run_cli(data_dir, "init").returncode == 0
    listed = run_cli(data_dir, "tenants", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (demo,) = json.loads(listed.stdout)
    assert demo["active_keys"] == 1 and len(demo["siren"]) == 9

    exported = run_cli(data_dir, "audit", "export", "--out", str(tmp_path / "one"))
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "one").is_dir() and any((tmp_path / "one").iterdir())

    created = run_cli(data_dir, "tenants", "create", "--name", "Atelier Durand SARL", "--siren", "404833048", "--json")
    tenant_id = json.loads(created.stdout)["tenant_id"]
    table = run_cli(data_dir, "tenants", "list")
    assert table.returncode == 0 and tenant_id in table.stdout and "2 tenant(s)" in table.stdout
    ambiguous = run_cli(data_dir, "audit", "export", "--out", str(tmp_path / "two"))
    assert ambiguous.returncode == 1
    assert "2 tenants" in ambiguous.stderr and "--tenant" in ambiguous.stderr
    assert not (tmp_path / "two").exists()
    named = run_cli(data_dir, "audit", "export", "--tenant", tenant_id, "--out", str(tmp_path / "two"))
    assert named.returncode == 0, named.stderr
