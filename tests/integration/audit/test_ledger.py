"""The ledger end to end: checkpoints signed, time-stamped by a real TSA, stored WORM and anchored; the log
verified from the database and from the store alone; exported and checked by the standalone verifier."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import event, select, update

from notice_service.db.models.audit import AuditCheckpoint, AuditMirror
from notice_service.db.models.audit_log import AuditRecord
from notice_service.domain.audit.checkpoint import parse_and_verify_checkpoint, sign_checkpoint
from notice_service.domain.audit.evidence import checkpoint_key, segment_key
from notice_service.domain.audit.ledger import LedgerFailure
from notice_service.errors import DocumentConflict
from notice_service.ports import VerifiedToken
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.audit.export import export_ledger
from notice_service.use_cases.audit.mirror import handle_mirror, mirror_frontier, mirror_pending, request_checkpoint
from notice_service.use_cases.audit.sources import read_store_records
from notice_service.use_cases.audit.verify import verify_tenant_ledger
from tests.integration.audit.ledger_setup import drain, ledger_services, new_tenant, register_debtors
from tests.services.tsa import TsaService

pytestmark = pytest.mark.tsa
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
VERIFY = Path(__file__).resolve().parents[3] / "audit" / "verify.py"


@pytest.fixture
def services(tmp_path: Path, tsa: TsaService) -> Iterator[Services]:
    built = ledger_services(tmp_path / "var", f"sqlite:///{tmp_path / 'notice.db'}", tsa)
    yield built
    built.db.engine.dispose()


@pytest.fixture
def actor(services: Services) -> Actor:
    tenant = new_tenant(services)
    register_debtors(services, tenant, 9)
    drain(services)
    return tenant


def _checkpoints(services: Services, tenant_id: str) -> list[AuditCheckpoint]:
    with services.db.reading() as session:
        query = select(AuditCheckpoint).where(AuditCheckpoint.tenant_id == tenant_id).order_by(AuditCheckpoint.size)
        return list(session.execute(query).scalars())


def test_the_worker_checkpoints_at_the_cadence_and_anchors_each_token(services: Services, actor: Actor) -> None:
    rows = _checkpoints(services, actor.tenant_id)
    # the first mirror message sees 11 records (2 onboarding + 9 debtors) ≥ 6: key activation, checkpoint of 12
    assert [row.size for row in rows] == [12]
    row = rows[0]
    public = services.checkpoint_signer.public_key() if services.checkpoint_signer else None
    assert public is not None
    checkpoint = parse_and_verify_checkpoint(row.note, {row.key_name: public})
    assert checkpoint.size == 12 and checkpoint.root.hex() == row.root
    assert services.store.get(checkpoint_key(actor.tenant_id, 12, "note")) == row.note
    assert services.store.get(checkpoint_key(actor.tenant_id, 12, "tsr")) == row.token
    assert b"BEGIN CERTIFICATE" in services.store.get(checkpoint_key(actor.tenant_id, 12, "chain.pem"))
    assert row.token is not None and services.token_verifier is not None
    assert services.token_verifier.verify(row.note, row.token) == VerifiedToken(row.gen_time, at_gen_time=False)
    anchor = json.loads(read_store_records(services.store, actor.tenant_id)[row.anchor_index])
    assert anchor["action"] == "audit:anchored"
    assert anchor["data"]["size"] == 12 and anchor["data"]["token_sha256"] == row.token_sha256


def test_on_demand_checkpoints_and_both_sources_verify(services: Services, actor: Actor) -> None:
    request_checkpoint(services, actor.tenant_id)
    drain(services)
    assert [row.size for row in _checkpoints(services, actor.tenant_id)] == [12, 13]
    for source in ("database", "store"):
        check = verify_tenant_ledger(services, actor.tenant_id, source)
        assert check.failure is None, check.failure
        text = "\n".join(check.lines)
        assert "records: 14 canonical" in text
        assert "2 signatures" in text and "1 consistency proofs" in text
        assert "timestamps: 2 RFC 3161 tokens verified" in text
        assert "anchors: 2 anchor records" in text
        assert "store: 14 records and 2 checkpoints identical" in text


def test_store_segments_are_canonical_jsonl_named_by_first_index(services: Services, actor: Actor) -> None:
    first = services.store.get(segment_key(actor.tenant_id, 0))
    # 11 appends (2 at onboarding, 9 debtors) were pending when the worker ran: one segment, not eleven
    assert first.count(b"\n") == 11 and first.endswith(b"\n")
    assert services.store.get(segment_key(actor.tenant_id, 11)).count(b"\n") == 2, "key activation and anchor"
    assert len(read_store_records(services.store, actor.tenant_id)) == 13
    assert mirror_frontier(services, actor.tenant_id) == 13


def test_the_mirror_follows_segments_already_stored_and_refuses_different_bytes(
    services: Services, actor: Actor
) -> None:
    with services.db.transaction() as session:  # as if a run had crashed after writing its segments
        session.execute(update(AuditMirror).where(AuditMirror.tenant_id == actor.tenant_id).values(size=0))
    assert mirror_pending(services, actor.tenant_id) == 13
    register_debtors(services, actor, 1)
    with services.db.transaction() as session:
        session.execute(update(AuditMirror).where(AuditMirror.tenant_id == actor.tenant_id).values(size=0))
        session.execute(
            update(AuditRecord)
            .where(AuditRecord.tenant_id == actor.tenant_id, AuditRecord.index == 5)
            .values(canonical=b"{}")
        )
    with pytest.raises(DocumentConflict, match="differs from the database"):
        mirror_pending(services, actor.tenant_id)


def test_a_mirror_message_an_earlier_segment_covered_costs_one_read(services: Services, actor: Actor) -> None:
    """A run's letters each queue a mirror message, and a worker's batch may claim several: the first mirrors
    them all; each of the others reads the frontier and stops (no segment read, no checkpoint look)."""
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's own BEGIN DEFERRED
            statements.append(statement)

    frontier = mirror_frontier(services, actor.tenant_id)
    event.listen(services.db.engine, "before_cursor_execute", seen)
    try:
        handle_mirror(services, actor.tenant_id, {"from": frontier - 1, "to": frontier - 1})
        covered = list(statements)
        register_debtors(services, actor, 1)  # one record past the frontier: that message mirrors it
        statements.clear()
        handle_mirror(services, actor.tenant_id, {"from": frontier, "to": frontier})
    finally:
        event.remove(services.db.engine, "before_cursor_execute", seen)
    assert len(covered) == 1 and "audit_mirrors" in covered[0]
    assert len(statements) > 1 and mirror_frontier(services, actor.tenant_id) == frontier + 1
    assert services.store.get(segment_key(actor.tenant_id, frontier)).count(b"\n") == 1


def test_the_export_passes_the_standalone_verifier_with_the_tsa_root(
    services: Services, actor: Actor, tsa: TsaService, tmp_path: Path
) -> None:
    request_checkpoint(services, actor.tenant_id)
    drain(services)
    summary = export_ledger(services, actor.tenant_id, tmp_path / "export")
    # checkpoints 12 and 13 (cadence, on demand) and 14, taken by the export for itself; 15 records: 0..14
    assert (summary.records, summary.checkpoints, summary.tokens, summary.checkpoint_size) == (15, 3, 3, 14)
    done = subprocess.run(
        [sys.executable, str(VERIFY), "log", str(tmp_path / "export"), "--tsa-ca", str(tsa.root_pem_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "records: 15 canonical" in done.stdout
    assert "3 RFC 3161 tokens verified by openssl" in done.stdout
    untrusted = tmp_path / "unrelated.pem"
    untrusted.write_bytes(tsa.unrelated_root_pem)
    refused = subprocess.run(
        [sys.executable, str(VERIFY), "log", str(tmp_path / "export"), "--tsa-ca", str(untrusted)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.stdout.startswith("FAIL timestamp-invalid"), refused.stdout


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ("cosign", "anchor-mismatch"),  # still a valid note for the same tree, but not the bytes anchored
        ("drop-token", "anchor-mismatch"),
        ("drop-checkpoint", "checkpoint-missing"),
    ],
)
def test_the_standalone_verifier_checks_anchor_records_against_the_exported_files(
    services: Services, actor: Actor, tmp_path: Path, tamper: str, reason: str
) -> None:
    export_ledger(services, actor.tenant_id, tmp_path / "export")
    checkpoints = tmp_path / "export" / "checkpoints"
    if tamper == "cosign":
        witness = sign_checkpoint((checkpoints / "12.note").read_bytes().split(b"\n\n")[0] + b"\n", "witness", KEY)
        note = (checkpoints / "12.note").read_bytes() + witness.split(b"\n\n")[1]
        (checkpoints / "12.note").write_bytes(note)
    else:  # a dropped checkpoint takes its token along (a token alone is timestamp-orphan, SPEC.md §5)
        for name in ("12.tsr",) if tamper == "drop-token" else ("12.note", "12.tsr"):
            (checkpoints / name).unlink()
    done = subprocess.run(
        [sys.executable, str(VERIFY), "log", str(tmp_path / "export")], capture_output=True, text=True, check=False
    )
    assert done.stdout.startswith(f"FAIL {reason}:"), done.stdout


def test_a_checkpoint_without_a_tsa_is_anchored_without_a_token(tmp_path: Path) -> None:
    services = ledger_services(tmp_path / "var", f"sqlite:///{tmp_path / 'plain.db'}", None)
    try:
        tenant = new_tenant(services)
        request_checkpoint(services, tenant.tenant_id)
        drain(services)
        (row,) = _checkpoints(services, tenant.tenant_id)
        assert row.token is None and row.size == 3
        check = verify_tenant_ledger(services, tenant.tenant_id, "store")
        assert check.failure is None, check.failure
        assert "timestamps: NOT CHECKED" in "\n".join(check.lines)
    finally:
        services.db.engine.dispose()


def test_ledger_failure_names_reason_and_record() -> None:
    failure = LedgerFailure("prev-mismatch", "record 4: …")
    assert str(failure) == "prev-mismatch: record 4: …"
