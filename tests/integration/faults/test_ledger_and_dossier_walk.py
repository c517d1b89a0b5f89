"""Audit checkpointing and the dossier export, killed at their points, then run again.

A checkpoint signs the note, (time-stamps it,) stores the evidence under keys named after the log's size, then
commits its row and anchor record. Killed before that commit, the stored note is an orphan ``store sweep``
lists; the restart signs the same note (Ed25519 is deterministic) and writes the same bytes under the same
write-once key, which the store accepts as the existing object: one checkpoint, no orphan left.

A dossier export writes its pieces and the ZIP to the store, then commits the dossier row with its saved
response (the ``Idempotency-Key`` request of ``POST /v1/cases/{id}/dossiers``). Killed in the middle of the ZIP,
no dossier row exists and what was stored is listed as orphans; the retry exports once.
"""

from __future__ import annotations

import json

import pytest

from notice_service.db import audit_repository
from notice_service.db.models.audit import AuditCheckpoint
from notice_service.db.models.dossier import Dossier
from notice_service.use_cases.audit.checkpoint import checkpoint_log, ensure_key_activated
from tests.functional.dossier.test_export import _second_half_2026_rate
from tests.functional.notices.test_formal_notice_flow import open_case
from tests.integration.faults.conftest import World

# the checkpoint's own commit comes after the key activation's (#1), even when the key was activated before
CHECKPOINT_POINTS = ("after-checkpoint-sign", "after-checkpoint-store", "before-commit#2", "after-commit#2")


@pytest.mark.parametrize("point", CHECKPOINT_POINTS)
def test_a_checkpoint_killed_at_each_point_is_made_once_after_a_restart(world: World, point: str) -> None:
    tenant_id, api = world.tenant(f"Checkpoint {point}")
    open_case(api)
    ensure_key_activated(world.services, tenant_id)
    with world.services.db.reading() as session:
        size = audit_repository.head_of(session, tenant_id).size  # what the killed checkpoint signs
    orphans_before = world.orphans()

    world.crash(point, "checkpoint", tenant_id)
    committed = point == "after-commit#2"
    assert world.count(AuditCheckpoint, AuditCheckpoint.tenant_id == tenant_id) == (1 if committed else 0)
    left = world.orphans() - orphans_before
    assert len(left) == (1 if point in ("after-checkpoint-store", "before-commit#2") else 0), left  # the note

    outcome = checkpoint_log(world.services, tenant_id)  # the restart (the worker's cadence does the same)
    # one checkpoint of that size; after a committed one, the restart signs the log with its anchor record too
    assert outcome.size == (size + 1 if committed else size)
    assert world.count(AuditCheckpoint, AuditCheckpoint.tenant_id == tenant_id) == (2 if committed else 1)
    with world.services.db.reading() as session:
        row = session.get_one(AuditCheckpoint, (tenant_id, size))
    assert row.note_key in left or not left  # the orphan note is the one the restart's row now names
    assert world.orphans() - orphans_before == set()  # adopted: the same bytes under the same key
    world.assert_ledger_verifies(tenant_id)  # the records, the checkpoint's signature and its anchor


@pytest.fixture(scope="module")
def rates(world: World) -> None:
    _second_half_2026_rate(world.services)  # the ECB rate the décompte of 2026's second half needs


@pytest.mark.usefixtures("rates")
def test_a_dossier_export_killed_in_the_middle_of_its_zip_exports_once_after_the_retry(world: World) -> None:
    tenant_id, api = world.tenant("Dossier")
    case_id = str(open_case(api, with_pdf=True)["case_id"])
    orphans_before = world.orphans()
    path, key = f"/v1/cases/{case_id}/dossiers", "dossier-mid-zip"

    world.crash("mid-dossier-zip", "request", "POST", path, json.dumps({}), api.headers["Authorization"][7:], key)
    assert world.count(Dossier, Dossier.tenant_id == tenant_id) == 0  # nothing half-written
    left = world.orphans() - orphans_before  # the pieces written before the ZIP, no row names them
    assert left

    world.outlive_the_lease()
    exported = api.post(path, {}, key=key)
    assert exported.status_code == 201, exported.json
    replay = api.post(path, {}, key=key)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json == exported.json
    assert world.count(Dossier, Dossier.tenant_id == tenant_id) == 1  # exported once
    assert world.audited(tenant_id, "dossier:exported") == 1
    assert world.orphans() - orphans_before <= left  # the retry leaves nothing new behind
    download = api.get(str(exported.json["archive_url"]))
    assert download.status_code == 200 and len(download.data) == exported.json["size"]
    world.assert_ledger_verifies(tenant_id)
