"""``notice-service audit checkpoint|verify|export`` as an operator runs them, then ``audit/verify.py``."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.functional.test_cli import run_cli

VERIFY = Path(__file__).resolve().parents[3] / "audit" / "verify.py"


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


def _tenant_with_an_exported_checkpoint(data_dir: Path, out: Path) -> str:
    """A tenant whose log is checkpointed at 3 (anchor record 3) and mirrored (segment 0: records 0..3), grows by
    one record, and is exported (checkpoint 5, anchor record 5); the worker mirrors the rest (segment 4)."""
    assert run_cli(data_dir, "init").returncode == 0
    created = run_cli(data_dir, "tenants", "create", "--name", "Atelier", "--siren", "404833048", "--json")
    tenant_id: str = json.loads(created.stdout)["tenant_id"]
    assert run_cli(data_dir, "audit", "checkpoint", "--tenant", tenant_id).returncode == 0
    assert run_cli(data_dir, "worker", "--once").returncode == 0
    updated = run_cli(data_dir, "tenants", "update", tenant_id, "--profile-json", '{"city": "Lyon"}')
    assert updated.returncode == 0, updated.stderr
    exported = run_cli(data_dir, "audit", "export", "--tenant", tenant_id, "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert sorted(path.name for path in (out / "checkpoints").glob("*.note")) == ["3.note", "5.note"]
    assert run_cli(data_dir, "worker", "--once").returncode == 0
    return tenant_id


def _cut_the_tail_after_record_3(data_dir: Path, tenant_id: str) -> None:
    """What an attacker with database and disk access does: remove every record after checkpoint 3's anchor, the
    newer checkpoint and its mirror (a store without Object Lock), and mend the head and the mirror frontier."""
    with sqlite3.connect(data_dir / "notice.db") as db:
        (last,) = db.execute(
            'SELECT leaf_hash FROM audit_records WHERE tenant_id = ? AND "index" = 3', (tenant_id,)
        ).fetchone()
        db.execute('DELETE FROM audit_records WHERE tenant_id = ? AND "index" > 3', (tenant_id,))
        db.execute("DELETE FROM audit_checkpoints WHERE tenant_id = ? AND size > 3", (tenant_id,))
        db.execute(
            "UPDATE audit_heads SET size = 4, last_leaf_hash = ?, compact_range = NULL WHERE tenant_id = ?",
            (last, tenant_id),
        )
        db.execute("UPDATE audit_mirrors SET size = 4 WHERE tenant_id = ?", (tenant_id,))
    key = f"audit/{tenant_id}/segments/000000000004.jsonl"
    for path in (data_dir / "documents" / key, data_dir / "documents" / ".meta" / f"{key}.json"):
        path.unlink()


def test_verify_checks_a_checkpoint_held_from_an_earlier_export(tmp_path: Path) -> None:
    data_dir, held = tmp_path / "var", tmp_path / "export" / "checkpoints" / "5.note"
    tenant_id = _tenant_with_an_exported_checkpoint(data_dir, tmp_path / "export")
    intact = run_cli(data_dir, "audit", "verify", "--tenant", tenant_id, "--checkpoint", str(held))
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "given: 1 checkpoints checked" in intact.stdout
    _cut_the_tail_after_record_3(data_dir, tenant_id)
    alone = run_cli(data_dir, "audit", "verify", "--tenant", tenant_id)
    assert alone.returncode == 0, "nothing inside the service contradicts the truncated log: " + alone.stdout
    cut = run_cli(data_dir, "audit", "verify", "--tenant", tenant_id, "--checkpoint", str(held))
    assert cut.returncode == 1, cut.stdout + cut.stderr
    assert f"FAIL log-shorter-than-checkpoint: {held} (given) attests 5 > 4 records" in cut.stdout, cut.stdout
    assert "log-shorter-than-checkpoint" in cut.stderr and "Traceback" not in cut.stderr


def test_verify_refuses_a_checkpoint_without_a_tenant_or_that_cannot_be_read(tmp_path: Path) -> None:
    data_dir, note = tmp_path / "var", tmp_path / "receipt.note"
    note.write_text("never read: the usage is refused first\n")
    no_tenant = run_cli(data_dir, "audit", "verify", "--checkpoint", str(note))
    assert no_tenant.returncode == 2 and no_tenant.stdout == ""
    assert no_tenant.stderr == "audit verify: --checkpoint needs --tenant (a checkpoint belongs to one tenant's log)\n"
    gone = tmp_path / "gone.note"
    missing = run_cli(
        data_dir, "audit", "verify", "--tenant", "t-1", "--checkpoint", str(note), "--checkpoint", str(gone)
    )
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr == f"audit verify: --checkpoint {gone}: cannot read it (No such file or directory)\n"
