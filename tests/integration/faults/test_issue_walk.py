"""Issuing a notice, killed at each of its points, then retried with the same ``Idempotency-Key``.

``POST /v1/notices/{id}/issue`` renders, signs and stores the letter outside any transaction, then commits the
issued notice, its ``notice:issued`` audit record and its ``notice.issued`` event together, with the saved
response in the same commit (``db/held_commit.py``). Killed before that commit, nothing of the issuance is in the
database (the notice is still a draft; a stored PDF, if any, is an orphan that ``store sweep`` lists) and the key
is "in progress" (409) until the claim's lease runs out; the retry then issues the notice once. Killed after it,
the notice is issued and the retry replays the saved response: never issued twice, never a 409 forever.
"""

from __future__ import annotations

import json

import pytest

from notice_service.db.models.notices import Notice
from notice_service.use_cases.store_sweep import sweep_store
from tests.functional.notices.test_formal_notice_flow import open_case
from tests.integration.faults.conftest import World

STORED = ("after-store-put", "before-commit")  # the signed PDF reached the store, the commit never came
POINTS = ("after-render", "after-sign", "after-store-put", "before-commit", "after-commit")
LEFT: dict[str, set[str]] = {}  # per world: the orphans the walks above left, which the sweep must list


def _commit_point(point: str) -> str:
    """The issue request commits its idempotency claim first: the use case's commit is the second."""
    return f"{point}#2" if point in ("before-commit", "after-commit") else point


@pytest.mark.parametrize("point", POINTS)
def test_an_issue_killed_at_each_point_is_issued_once_after_the_retry(world: World, point: str) -> None:
    tenant_id, api = world.tenant(f"Issue {point}")
    ids = open_case(api)
    draft = api.post(f"/v1/cases/{ids['case_id']}/notices", {"kind": "reminder", "as_of": "2026-06-30"})
    assert draft.status_code == 201, draft.json
    notice_id, key = draft.json["id"], f"issue-{point}"
    orphans_before = world.orphans()

    path = f"/v1/notices/{notice_id}/issue"
    world.crash(_commit_point(point), "request", "POST", path, json.dumps(None), api.headers["Authorization"][7:], key)

    committed = point == "after-commit"
    assert api.get(f"/v1/notices/{notice_id}").json["status"] == ("issued" if committed else "draft")
    new_orphans = world.orphans() - orphans_before
    assert len(new_orphans) == (1 if point in STORED else 0), new_orphans  # the letter no row points at
    LEFT.setdefault(world.environment["NOTICE_DATABASE_URL"], set()).update(new_orphans)
    if not committed:  # the claim of a request that may still be running: a conflict until its lease ends
        assert api.post(path, None, key=key).status_code == 409
        world.outlive_the_lease()

    retried = api.post(path, None, key=key)
    assert retried.status_code == 200, retried.json
    assert retried.json["status"] == "issued" and retried.json["id"] == notice_id
    assert (retried.headers.get("Idempotent-Replayed") == "true") == committed  # the saved response, replayed
    again = api.post(path, None, key=key)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true" and again.json == retried.json

    assert world.count(Notice, Notice.tenant_id == tenant_id) == 1  # one notice, issued once
    assert world.audited(tenant_id, "notice:issued") == 1
    assert world.outbox(tenant_id, "notice.issued") == 1
    assert world.orphans() - orphans_before == new_orphans  # the retry's letter is referenced, the orphan stays
    with world.services.db.reading() as session:
        document_key = session.get_one(Notice, notice_id).document_key
    assert document_key is not None and document_key not in new_orphans
    assert world.services.store.stat(document_key).size > 0
    world.assert_ledger_verifies(tenant_id)


def test_store_sweep_lists_what_the_crashes_left_and_deletes_nothing(world: World) -> None:
    """``notice-service store sweep --json`` (the command, in its own process) after the walk above."""
    expected = sweep_store(world.services)
    swept = world.command("store", "sweep", "--json")
    assert swept.returncode == 0, swept.stderr[-2000:]
    report = json.loads(swept.stdout.strip().splitlines()[-1])
    assert report["objects"] == expected.objects == len(world.services.store.keys())
    assert {o["key"] for o in report["orphans"]} == {o.key for o in expected.orphans}
    assert LEFT.get(world.environment["NOTICE_DATABASE_URL"], set()) <= {o.key for o in expected.orphans}
    for orphan in report["orphans"]:
        assert world.services.store.stat(orphan["key"]).size == orphan["size"]  # still there: nothing deleted
        assert orphan["locked"] is False  # the filesystem store keeps no Object Lock retention
    text = world.command("store", "sweep")
    assert text.returncode == 0 and text.stdout.strip().endswith("orphaned (nothing deleted)")
    assert len(world.services.store.keys()) == expected.objects
