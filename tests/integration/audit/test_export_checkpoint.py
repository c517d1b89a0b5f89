"""SPEC.md §8: an export takes a checkpoint of the log's head for itself, so that nothing but that checkpoint's own
anchor record is left outside every signature; records appended while it is being signed do not slip in
uncovered (the export checkpoints again, and stops at the anchor).

Real ledger (SQLite, write-once store, certomancer TSA over HTTP), real use cases; the writer racing the export
is a real append made while the TSA is asked for the checkpoint's token.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from notice_service.ports import TimeStamper, TimeStampToken
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.audit.export import export_ledger
from tests.integration.audit.ledger_setup import drain, ledger_services, new_tenant, register_debtors
from tests.services.tsa import TsaService
from tests.unit.audit.log_export import run_verifier
from tests.unit.audit.test_spec import spec_section

pytestmark = pytest.mark.tsa


@pytest.fixture
def services(tmp_path: Path, tsa: TsaService) -> Iterator[Services]:
    built = ledger_services(tmp_path / "var", f"sqlite:///{tmp_path / 'notice.db'}", tsa)
    yield built
    built.db.engine.dispose()


def _exported(out: Path) -> tuple[list[dict[str, object]], list[int]]:
    records = [json.loads(line) for line in (out / "records.jsonl").read_bytes().splitlines()]
    sizes = sorted(int(path.name.split(".")[0]) for path in (out / "checkpoints").glob("*.note"))
    return records, sizes


def test_an_export_ends_with_the_anchor_of_a_checkpoint_taken_for_it(
    services: Services, tsa: TsaService, tmp_path: Path
) -> None:
    tenant = new_tenant(services)
    register_debtors(services, tenant, 9)
    drain(services)  # the cadence checkpoints 12; then three more records nobody signed yet
    register_debtors(services, tenant, 3)
    summary = export_ledger(services, tenant.tenant_id, tmp_path / "export")
    records, sizes = _exported(tmp_path / "export")
    newest = sizes[-1]
    assert newest == len(records) - 1 == summary.records - 1, "every record but the last is in the newest checkpoint"
    last = records[-1]
    assert last["action"] == "audit:anchored" and last["subject"] == {"type": "audit_log", "id": str(newest)}
    done = run_verifier("log", tmp_path / "export", "--tsa-ca", tsa.root_pem_path)
    assert done.returncode == 0, done.stdout
    assert f"records {newest}..{newest} (1) are covered by no checkpoint" in done.stdout
    assert "`audit export`" in spec_section(8) and "own anchor record" in spec_section(8)


class RacingTimeStamper:
    """The service's TSA client, while a writer appends to the log each time a token is being obtained (the
    first ``races`` times): the head moves on between the checkpoint's read of it and its anchor."""

    def __init__(self, services: Services, actor: Actor, races: int) -> None:
        assert services.time_stamper is not None
        self.inner: TimeStamper = services.time_stamper
        self.services, self.actor, self.races = services, actor, races

    def timestamp(self, data: bytes) -> TimeStampToken:
        if self.races:
            self.races -= 1
            register_debtors(self.services, self.actor, 1)
        return self.inner.timestamp(data)


def test_records_appended_while_the_exports_checkpoint_is_signed_are_covered_or_left_out(
    services: Services, tmp_path: Path
) -> None:
    tenant = new_tenant(services)
    register_debtors(services, tenant, 2)
    services.time_stamper = RacingTimeStamper(services, tenant, races=1)
    export_ledger(services, tenant.tenant_id, tmp_path / "export")
    records, sizes = _exported(tmp_path / "export")
    assert sizes[-1] == len(records) - 1, "the debtor registered during the first signature is in the second"
    assert [r["action"] for r in records].count("debtor:registered") == 3
    assert records[-1]["action"] == "audit:anchored"
    assert run_verifier("log", tmp_path / "export").returncode == 0
