"""``notice-service audit checkpoint|verify|export`` as an operator runs them, then ``audit/verify.py``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.functional.test_cli import run_cli

VERIFY = Path(__file__).resolve().parents[2] / "audit" / "verify.py"


def test_checkpoint_verify_from_the_store_and_export(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    assert run_cli(data_dir, "init").returncode == 0
    created = run_cli(data_dir, "tenants", "create", "--name", "Atelier", "--siren", "404833048", "--json")
    tenant_id = json.loads(created.stdout)["tenant_id"]
    signed = run_cli(data_dir, "audit", "checkpoint", "--tenant", tenant_id)
    assert signed.returncode == 0, signed.stderr
    assert signed.stdout.startswith("checkpoint 3 signed (no TSA configured)")
    assert run_cli(data_dir, "worker", "--once").returncode == 0
    from_store = run_cli(data_dir, "audit", "verify", "--source", "store")
    assert from_store.returncode == 0, from_store.stdout + from_store.stderr
    assert "checkpoints: 1 signatures" in from_store.stdout and "2 tenant logs verified" in from_store.stdout
    exported = run_cli(data_dir, "audit", "export", "--tenant", tenant_id, "--out", str(tmp_path / "export"))
    assert exported.returncode == 0, exported.stderr
    done = subprocess.run(
        [sys.executable, str(VERIFY), "log", str(tmp_path / "export")], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("OK"), done.stdout
    segment = data_dir / "documents" / "audit" / tenant_id / "segments" / "000000000000.jsonl"
    segment.chmod(0o644)
    segment.write_bytes(segment.read_bytes().replace(b"tenant:created", b"tenant:removed"))
    tampered = run_cli(data_dir, "audit", "verify", "--source", "store", "--tenant", tenant_id)
    assert tampered.returncode == 1
    assert "FAIL store-divergence" in tampered.stdout, tampered.stdout
