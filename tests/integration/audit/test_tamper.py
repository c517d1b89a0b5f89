"""Tampering with a real ledger (SQLite, filesystem WORM store, certomancer TSA): each attack is named.

The ledger has two time-stamped checkpoints (sizes 12 and 13); each test alters one thing the way an
attacker with database or disk access would, then runs ``verify_tenant_ledger`` and expects a reason.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from notice_service.adapters.timestamping.rfc3161_timestamper import HttpTimeStamper
from notice_service.domain.audit.checkpoint import format_checkpoint_body, sign_checkpoint
from notice_service.domain.audit.evidence import segment_key, time_stamp_response
from notice_service.domain.audit.ledger import CheckpointEvidence
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.audit.mirror import request_checkpoint
from notice_service.use_cases.audit.verify import verify_tenant_ledger
from tests.integration.audit.ledger_setup import drain, ledger_services, new_tenant, register_debtors
from tests.services.tsa import TsaService

pytestmark = pytest.mark.tsa


class Ledger:
    def __init__(self, services: Services, tenant_id: str, root: Path, tsa: TsaService) -> None:
        self.services, self.tenant_id, self.root, self.tsa = services, tenant_id, root, tsa

    def sql(self, statement: str, *params: object) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.root / "notice.db") as db:
            return db.execute(statement, params).fetchall()

    def note(self, size: int) -> bytes:
        (note,) = self.sql("SELECT note FROM audit_checkpoints WHERE size = ?", size)[0]
        assert isinstance(note, bytes)
        return note

    def object_path(self, key: str) -> Path:
        path = self.root / "var" / "documents" / key
        path.chmod(0o644)
        return path


@pytest.fixture
def ledger(tmp_path: Path, tsa: TsaService) -> Iterator[Ledger]:
    services = ledger_services(tmp_path / "var", f"sqlite:///{tmp_path / 'notice.db'}", tsa)
    tenant = new_tenant(services)
    register_debtors(services, tenant, 9)
    drain(services)
    request_checkpoint(services, tenant.tenant_id)
    drain(services)
    assert verify_tenant_ledger(services, tenant.tenant_id).failure is None
    yield Ledger(services, tenant.tenant_id, tmp_path, tsa)
    services.db.engine.dispose()


def _edit_record(ledger: Ledger) -> None:
    (raw,) = ledger.sql('SELECT canonical FROM audit_records WHERE "index" = 5')[0]
    assert isinstance(raw, bytes)
    ledger.sql('UPDATE audit_records SET canonical = ? WHERE "index" = 5', raw.replace(b"debtor:", b"debtor:x"))


def _delete_record(ledger: Ledger) -> None:
    ledger.sql('DELETE FROM audit_records WHERE "index" = 5')


def _replace_store_segment(ledger: Ledger) -> None:
    path = ledger.object_path(segment_key(ledger.tenant_id, 0))
    path.write_bytes(path.read_bytes().replace(b"debtor:", b"debtor:x"))


def _unlink(ledger: Ledger, key: str) -> None:
    ledger.object_path(key).unlink()
    (ledger.root / "var" / "documents" / ".meta" / f"{key}.json").unlink()


def _remove_store_segment(ledger: Ledger) -> None:
    _unlink(ledger, segment_key(ledger.tenant_id, 0))


def _sign_with_another_key(ledger: Ledger) -> None:
    body = ledger.note(12).split(b"\n\n")[0] + b"\n"
    rogue = sign_checkpoint(body, ledger.services.settings.checkpoint_key_name, Ed25519PrivateKey.generate())
    ledger.sql("UPDATE audit_checkpoints SET note = ? WHERE size = 12", rogue)


def _swap_tokens(ledger: Ledger) -> None:
    (token,) = ledger.sql("SELECT token FROM audit_checkpoints WHERE size = 13")[0]
    ledger.sql("UPDATE audit_checkpoints SET token = ? WHERE size = 12", token)


def _token_from_untrusted_tsa(ledger: Ledger) -> None:
    stamper = HttpTimeStamper(ledger.tsa.unrelated_url, trust_roots=[ledger.tsa.unrelated_root_pem])
    token = stamper.timestamp(ledger.note(12))
    ledger.sql("UPDATE audit_checkpoints SET token = ? WHERE size = 12", time_stamp_response(token.token_der))


def _reorder(ledger: Ledger) -> None:
    five, six = (ledger.sql('SELECT canonical, leaf_hash FROM audit_records WHERE "index" = ?', i)[0] for i in (5, 6))
    ledger.sql('UPDATE audit_records SET canonical = ?, leaf_hash = ? WHERE "index" = 5', *six)
    ledger.sql('UPDATE audit_records SET canonical = ?, leaf_hash = ? WHERE "index" = 6', *five)


def _fork(ledger: Ledger) -> None:
    signer = ledger.services.checkpoint_signer
    assert signer is not None
    origin = ledger.note(12).split(b"\n")[0].decode()
    forged = signer.sign_note(format_checkpoint_body(origin, 12, b"\x42" * 32))
    ledger.sql("UPDATE audit_checkpoints SET note = ? WHERE size = 12", forged)


@pytest.mark.parametrize(
    ("tamper", "source", "reason"),
    [
        (_edit_record, "database", "prev-mismatch"),
        (_edit_record, "store", "store-divergence"),
        (_delete_record, "database", "index-sequence"),
        (_reorder, "database", "index-sequence"),
        (_reorder, "store", "store-divergence"),
        (_replace_store_segment, "database", "store-divergence"),
        (_replace_store_segment, "store", "store-divergence"),
        (_remove_store_segment, "database", "store-missing"),
        (_sign_with_another_key, "database", "checkpoint-unknown-key"),
        (_swap_tokens, "database", "timestamp-invalid"),
        (_token_from_untrusted_tsa, "database", "timestamp-invalid"),
        (_fork, "database", "checkpoint-fork"),
        (_fork, "store", "checkpoint-fork"),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_each_tamper_is_named(ledger: Ledger, tamper: Callable[[Ledger], None], source: str, reason: str) -> None:
    tamper(ledger)
    check = verify_tenant_ledger(ledger.services, ledger.tenant_id, source)
    assert check.failure is not None, check.lines
    assert check.failure.reason == reason, check.failure


def test_a_tail_truncated_after_the_last_checkpoint_fails_against_an_earlier_exported_one(ledger: Ledger) -> None:
    services, tenant_id = ledger.services, ledger.tenant_id
    register_debtors(services, Actor(tenant_id, "api_key", "test-key"), 3)
    request_checkpoint(services, tenant_id)
    drain(services)
    exported = CheckpointEvidence("checkpoint 17 (exported earlier)", ledger.note(17))
    # the attacker cuts every record after checkpoint 13's anchor, the newer checkpoint, its mirror (a store
    # without Object Lock), and mends the head and the mirror frontier: the log is consistent with itself again
    (last,) = ledger.sql('SELECT leaf_hash FROM audit_records WHERE "index" = 13')[0]
    ledger.sql('DELETE FROM audit_records WHERE "index" > 13')
    ledger.sql("DELETE FROM audit_checkpoints WHERE size = 17")
    ledger.sql("UPDATE audit_heads SET size = 14, last_leaf_hash = ?, compact_range = NULL", last)
    ledger.sql("UPDATE audit_mirrors SET size = 14")
    for first in (14, 17):
        _unlink(ledger, segment_key(tenant_id, first))
    alone = verify_tenant_ledger(services, tenant_id)
    assert alone.failure is None, "nothing inside the service contradicts the truncated log"
    check = verify_tenant_ledger(services, tenant_id, known=[exported])
    assert check.failure is not None and check.failure.reason == "log-shorter-than-checkpoint", check.failure
