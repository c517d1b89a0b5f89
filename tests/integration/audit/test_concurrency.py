"""16 writers × 200 appends on PostgreSQL through the real append path: no gap, no duplicate, no fork."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from notice_service.db import audit_repository
from notice_service.db.models.audit_log import AuditRecord
from notice_service.domain.audit.merkle import root_hash
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.audit.checkpoint import checkpoint_log
from notice_service.use_cases.audit.verify import verify_tenant_ledger
from tests.integration.audit.ledger_setup import drain, ledger_services, new_tenant

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
WRITERS, APPENDS = 16, 200


@pytest.fixture
def services(tmp_path: Path, postgres_url: str) -> Iterator[Services]:
    built = ledger_services(tmp_path / "var", postgres_url, None, every_records=1000)
    yield built
    built.db.engine.dispose()


def _write(services: Services, actor: Actor, writer: int, errors: list[BaseException]) -> None:
    try:
        for number in range(APPENDS):
            with services.db.transaction() as session:
                record = actor.record("test:appended", "writer", str(writer), data={"n": number})
                audit_repository.append(session, actor.tenant_id, [record], services.clock.now())
    except BaseException as exc:  # reported by the test thread, which asserts there were none
        errors.append(exc)


def test_concurrent_writers_never_fork_or_skip(services: Services) -> None:
    actor = new_tenant(services)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_write, args=(services, actor, w, errors)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    total = 2 + WRITERS * APPENDS
    with services.db.reading() as session:
        indexes = list(
            session.execute(
                select(AuditRecord.index).where(AuditRecord.tenant_id == actor.tenant_id).order_by(AuditRecord.index)
            ).scalars()
        )
        head = audit_repository.head_of(session, actor.tenant_id)
        leaves = list(
            session.execute(
                select(AuditRecord.leaf_hash)
                .where(AuditRecord.tenant_id == actor.tenant_id)
                .order_by(AuditRecord.index)
            ).scalars()
        )
        per_writer = dict(
            session.execute(
                select(AuditRecord.subject_id, func.count())
                .where(AuditRecord.tenant_id == actor.tenant_id, AuditRecord.action == "test:appended")
                .group_by(AuditRecord.subject_id)
            ).all()
        )
        compact_root = audit_repository.compact_range(session, head).root()
    assert indexes == list(range(total)), "no gap and no duplicate index"
    assert head.size == total and head.last_leaf_hash == leaves[-1]
    assert per_writer == {str(w): APPENDS for w in range(WRITERS)}
    assert compact_root == root_hash([bytes.fromhex(leaf) for leaf in leaves]), "the head's compact range kept up"
    checkpoint_log(services, actor.tenant_id)
    drain(services)
    check = verify_tenant_ledger(services, actor.tenant_id, "database")
    assert check.failure is None, check.failure
    assert f"records: {total + 2} canonical" in check.lines[0]
