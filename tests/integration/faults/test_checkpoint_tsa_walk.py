"""The checkpoint walk with a time-stamping authority: killed after its evidence is stored, then run again.

A checkpoint signs the note, asks the TSA for a token over it, stores note, token and certificates under
write-once keys named after the log's size, then commits its row and anchor record. Killed between the store
and the commit (``after-checkpoint-store``, ``before-commit#2``), the restart signs the same note again (Ed25519
is deterministic) but a second TSA call would give another token (nonce, serial number, genTime), which the
write-once ``.tsr`` key refuses. The restart reuses the stored token instead, after checking it time-stamps that
note: one checkpoint whose row holds the killed process's token, which ``openssl ts -verify`` accepts, the log
verifies (database against store), nothing is left as an orphan. A stored object that is not what this
checkpoint would write is a ``DocumentConflict`` naming the key, and stays as it was.
A stored token the service cannot check (no TSA configured any more) is a ``ConfigurationError``.

The crashes that store nothing (``after-checkpoint-sign``) or commit (``after-commit#2``) behave the same with or
without a TSA; the TSA-less walk of ``test_ledger_and_dossier_walk.py`` covers them. Own world (the faults
``conftest.World`` with the certomancer TSA in its settings and in the child's environment), SQLite and
PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.db import audit_repository
from notice_service.db.models.audit import AuditCheckpoint
from notice_service.domain.audit.evidence import checkpoint_key, time_stamp_response
from notice_service.errors import ConfigurationError, DocumentConflict
from notice_service.settings import Settings
from notice_service.use_cases.audit.checkpoint import checkpoint_log, ensure_key_activated
from tests.contract.independent_checks import needs, openssl_ts_verified, openssl_ts_verify
from tests.functional.conftest import NOW
from tests.functional.notices.test_formal_notice_flow import open_case
from tests.integration.faults.conftest import LEASE_SECONDS, World
from tests.services.tsa import TsaService
from tests.services.workers import child_env


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def tsa_world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, tsa: TsaService
) -> Iterator[World]:
    data_dir = tmp_path_factory.mktemp(f"faults-tsa-{request.param}")
    url = (
        f"sqlite:///{data_dir / 'notice.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    )
    settings = Settings(
        data_dir=data_dir,
        database_url=url,
        worker_lease_seconds=LEASE_SECONDS,
        tsa_urls=(tsa.url,),
        tsa_roots_pem=tsa.root_pem_path,
    )
    environment = child_env(
        settings, NOTICE_TSA_URL=tsa.url, NOTICE_TSA_ROOTS=str(tsa.root_pem_path), NOTICE_WORKER="none"
    )
    clock = FixedClock(NOW)
    services = build_services(settings, clock=clock)
    with create_app(services=services).test_client() as client:
        yield World(services, clock, environment, client, [])
    services.db.engine.dispose()


def _log_size(world: World, tenant_id: str) -> int:
    with world.services.db.reading() as session:
        return audit_repository.head_of(session, tenant_id).size


def _tenant_to_checkpoint(world: World, name: str) -> tuple[str, int]:
    """A tenant with records and an active checkpoint key, and the size its next checkpoint signs."""
    tenant_id, api = world.tenant(name)
    open_case(api)
    ensure_key_activated(world.services, tenant_id)
    return tenant_id, _log_size(world, tenant_id)


@needs("openssl")
@pytest.mark.parametrize("point", ["after-checkpoint-store", "before-commit#2"])
def test_a_time_stamped_checkpoint_killed_before_its_commit_reuses_the_stored_token(
    tsa_world: World, tsa: TsaService, tmp_path: Path, point: str
) -> None:
    world, store = tsa_world, tsa_world.services.store
    tenant_id, size = _tenant_to_checkpoint(world, f"Checkpoint TSA {point}")
    orphans_before = world.orphans()

    world.crash(point, "checkpoint", tenant_id)
    assert world.count(AuditCheckpoint, AuditCheckpoint.tenant_id == tenant_id) == 0
    keys = {suffix: checkpoint_key(tenant_id, size, suffix) for suffix in ("note", "tsr", "chain.pem")}
    assert world.orphans() - orphans_before == set(keys.values())  # the killed process's evidence, no row yet
    stored = {suffix: store.get(key) for suffix, key in keys.items()}

    outcome = checkpoint_log(world.services, tenant_id)  # the restart (the worker's cadence does the same)
    assert (outcome.size, outcome.created, outcome.time_stamped) == (size, True, True)
    assert world.count(AuditCheckpoint, AuditCheckpoint.tenant_id == tenant_id) == 1
    with world.services.db.reading() as session:
        row = session.get_one(AuditCheckpoint, (tenant_id, size))
    assert (row.note_key, row.token_key, row.chain_key) == (keys["note"], keys["tsr"], keys["chain.pem"])
    assert row.note == stored["note"] and row.token == stored["tsr"]  # the killed process's note and token
    assert {suffix: store.get(key) for suffix, key in keys.items()} == stored  # nothing rewritten
    verified = openssl_ts_verify(tmp_path, row.note, row.token, tsa.root_pem, token_only=False)
    assert openssl_ts_verified(verified), verified.stdout + verified.stderr
    assert world.orphans() - orphans_before == set()  # all three adopted by the row
    world.assert_ledger_verifies(tenant_id)  # records, signature, anchor (token SHA-256, genTime), store = database


REFUSALS = {
    "note": "is not the note signed now",  # checked before any TSA call
    "tsr": "is not a valid token over this checkpoint's note",  # a real token, over other bytes
    "chain.pem": "already holds different bytes",  # the store's own write-once refusal
}


@pytest.mark.parametrize("suffix", list(REFUSALS))
def test_a_stored_checkpoint_object_that_does_not_match_is_refused_and_kept(tsa_world: World, suffix: str) -> None:
    world, store = tsa_world, tsa_world.services.store
    tenant_id, size = _tenant_to_checkpoint(world, f"Checkpoint foreign {suffix}")
    assert world.services.time_stamper is not None
    # a real token and a real chain, but over other bytes than this checkpoint's note
    foreign = world.services.time_stamper.timestamp(b"another note")
    content = {
        "note": b"a note this checkpoint does not sign\n",
        "tsr": time_stamp_response(foreign.token_der),
        "chain.pem": b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
    }[suffix]
    key = checkpoint_key(tenant_id, size, suffix)
    store.put(content, content_type="application/octet-stream", document_class="audit", key=key)

    with pytest.raises(DocumentConflict, match=re.escape(key)) as refused:
        checkpoint_log(world.services, tenant_id)
    assert REFUSALS[suffix] in refused.value.detail
    assert store.get(key) == content  # never overwritten
    assert world.count(AuditCheckpoint, AuditCheckpoint.tenant_id == tenant_id) == 0


def test_a_stored_token_the_service_cannot_check_is_refused_without_a_tsa(tsa_world: World) -> None:
    """The TSA taken out of the configuration between the crash and the restart: the stored token is neither
    dropped (a row without it, the .tsr an orphan) nor recorded unchecked."""
    world = tsa_world
    tenant_id, size = _tenant_to_checkpoint(world, "Checkpoint without TSA")
    assert world.services.time_stamper is not None
    key = checkpoint_key(tenant_id, size, "tsr")
    token = time_stamp_response(world.services.time_stamper.timestamp(b"a note").token_der)
    world.services.store.put(token, content_type="application/timestamp-reply", document_class="audit", key=key)
    without_tsa = build_services(replace(world.services.settings, tsa_urls=(), tsa_roots_pem=None), clock=world.clock)
    try:
        with pytest.raises(ConfigurationError, match="no TSA trust roots are configured"):
            checkpoint_log(without_tsa, tenant_id)
    finally:
        without_tsa.db.engine.dispose()
    assert world.count(AuditCheckpoint, AuditCheckpoint.tenant_id == tenant_id) == 0
