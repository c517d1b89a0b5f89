"""``audit_repository.append`` queues records on the transaction; they are written, in order, at the latest
with the commit (on PostgreSQL a lone record rides with the ``COMMIT`` in one pipeline), and a rollback or a
refused append keeps nothing. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.audit_one_statement import MAX_PIPELINED, TOPIC_MIRROR
from notice_service.db.models.audit_log import AuditHead, AuditRecord
from notice_service.db.models.claims import Debtor
from notice_service.db.models.outbox import OutboxMessage
from notice_service.domain.audit.merkle import root_hash
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.audit.verify import verify_tenant_ledger
from tests.integration.audit.ledger_setup import ledger_services, new_tenant, register_debtors


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Services]:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
    built = ledger_services(tmp_path / "var", url, None, every_records=10_000)
    yield built
    built.db.engine.dispose()


@pytest.fixture
def actor(services: Services) -> Actor:
    return new_tenant(services)


def _records(services: Services, tenant_id: str) -> list[tuple[int, str, str]]:
    with services.db.reading() as session:
        rows = session.execute(
            select(AuditRecord.index, AuditRecord.action, AuditRecord.subject_id)
            .where(AuditRecord.tenant_id == tenant_id)
            .order_by(AuditRecord.index)
        ).all()
    return [(index, action, subject) for index, action, subject in rows]


def _append(services: Services, session: Session, actor: Actor, subject: str) -> None:
    draft = actor.record("test:appended", "thing", subject)
    audit_repository.append(session, actor.tenant_id, [draft], services.clock.now())


def _verifies(services: Services, tenant_id: str) -> None:
    check = verify_tenant_ledger(services, tenant_id, "database")
    assert check.failure is None, check.failure
    with services.db.reading() as session:
        head = audit_repository.head_of(session, tenant_id)
        leaves = session.execute(
            select(AuditRecord.leaf_hash).where(AuditRecord.tenant_id == tenant_id).order_by(AuditRecord.index)
        ).scalars()
        hashes = [bytes.fromhex(leaf) for leaf in leaves]
        assert head.size == len(hashes)
        assert audit_repository.compact_range(session, head).root() == root_hash(hashes)


def test_queued_records_are_written_by_the_commit_in_call_order(services: Services, actor: Actor) -> None:
    before = len(_records(services, actor.tenant_id))
    for round_ in range(3):  # the first round teaches the process the log's origin; the next ones pipeline
        with services.db.transaction() as session:
            _append(services, session, actor, f"solo-{round_}")
    with services.db.transaction() as session:
        _append(services, session, actor, "a")
        _append(services, session, actor, "b")
        audit_repository.append(
            session,
            actor.tenant_id,
            [actor.record("test:appended", "thing", "c"), actor.record("test:appended", "thing", "d")],
            services.clock.now(),
        )
    written = _records(services, actor.tenant_id)
    assert [subject for _, _, subject in written[before:]] == ["solo-0", "solo-1", "solo-2", "a", "b", "c", "d"]
    assert [index for index, _, _ in written] == list(range(len(written)))
    _verifies(services, actor.tenant_id)


def test_a_statement_after_append_sees_the_queued_record(services: Services, actor: Actor) -> None:
    with services.db.transaction() as session:
        mine = select(func.count()).select_from(AuditRecord).where(AuditRecord.tenant_id == actor.tenant_id)
        before = session.execute(mine).scalar_one()
        _append(services, session, actor, "seen")
        after = session.execute(mine).scalar_one()
        head = session.execute(select(AuditHead.size).where(AuditHead.tenant_id == actor.tenant_id)).scalar_one()
    assert after == before + 1
    assert head == after
    _verifies(services, actor.tenant_id)


def test_append_now_writes_what_was_queued_first_and_answers_its_index(services: Services, actor: Actor) -> None:
    size = len(_records(services, actor.tenant_id))
    with services.db.transaction() as session:
        _append(services, session, actor, "queued")
        sealed = audit_repository.append_now(
            session, actor.tenant_id, [actor.record("test:appended", "thing", "now")], services.clock.now()
        )
    assert [record.index for record in sealed] == [size + 1]
    assert [subject for _, _, subject in _records(services, actor.tenant_id)[size:]] == ["queued", "now"]
    _verifies(services, actor.tenant_id)


def test_a_rolled_back_transaction_leaves_neither_its_rows_nor_its_records(services: Services, actor: Actor) -> None:
    with services.db.transaction() as session:
        _append(services, session, actor, "warm")  # the process learns the origin: the fast path is armed
    written = _records(services, actor.tenant_id)
    with pytest.raises(RuntimeError, match="use case failed"), services.db.transaction() as session:
        _append(services, session, actor, "lost")
        raise RuntimeError("use case failed after queueing its record")
    assert _records(services, actor.tenant_id) == written
    with services.db.transaction() as session:
        _append(services, session, actor, "next")
    assert _records(services, actor.tenant_id)[-1] == (len(written), "test:appended", "next")
    _verifies(services, actor.tenant_id)


def test_a_record_appended_inside_a_savepoint_goes_with_the_savepoint(services: Services, actor: Actor) -> None:
    written = _records(services, actor.tenant_id)
    with services.db.transaction() as session:
        _append(services, session, actor, "kept")
        with pytest.raises(RuntimeError), session.begin_nested():
            _append(services, session, actor, "undone")
            raise RuntimeError("savepoint rolled back")
        with session.begin_nested():
            _append(services, session, actor, "inner")
    subjects = [subject for _, _, subject in _records(services, actor.tenant_id)[len(written) :]]
    assert subjects == ["kept", "inner"]
    _verifies(services, actor.tenant_id)


def test_bad_drafts_fail_at_append_and_queue_nothing(services: Services, actor: Actor) -> None:
    written = _records(services, actor.tenant_id)
    bad = [
        actor.record("test:appended", "thing", "float", data={"amount": 1.5}),  # type: ignore[dict-item]
        actor.record("test:appended", "thing", "huge", data={"n": 2**53}),
    ]
    for draft in bad:
        with pytest.raises(ValueError), services.db.transaction() as session:
            audit_repository.append(session, actor.tenant_id, [draft], services.clock.now())
    assert _records(services, actor.tenant_id) == written


@pytest.mark.postgres
def test_on_postgresql_a_lone_record_is_not_sent_through_sqlalchemy(tmp_path: Path, postgres_url: str) -> None:
    """The fast path: after the warm-up no statement SQLAlchemy sends touches the audit tables; the record is
    committed all the same (it went to the server in one pipeline with the COMMIT)."""
    services = ledger_services(tmp_path / "var", postgres_url, None, every_records=10_000)
    actor = new_tenant(services)
    with services.db.transaction() as session:
        _append(services, session, actor, "warm")
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(services.db.engine, "before_cursor_execute", seen)
    try:
        register_debtors(services, actor, 1)  # the use case inserts its debtor, then queues its record
    finally:
        event.remove(services.db.engine, "before_cursor_execute", seen)
    assert any("INSERT INTO debtors" in statement for statement in statements)
    assert not [statement for statement in statements if "audit_" in statement]
    assert _records(services, actor.tenant_id)[-1][1] == "debtor:registered"
    _verifies(services, actor.tenant_id)
    services.db.engine.dispose()


@pytest.mark.postgres
def test_on_postgresql_a_transactions_few_records_go_with_its_commit_in_order(
    tmp_path: Path, postgres_url: str
) -> None:
    """Up to ``MAX_PIPELINED`` records of one log (a run's letter: notice, item, run) ride with the ``COMMIT``
    too, one statement each, in call order; one more takes the locking read. The log verifies either way."""
    services = ledger_services(tmp_path / "var", postgres_url, None, every_records=10_000)
    actor = new_tenant(services)
    register_debtors(services, actor, 1)  # warm-up: the process knows the origin
    mirrors = _count(services, OutboxMessage, OutboxMessage.topic == TOPIC_MIRROR)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(services.db.engine, "before_cursor_execute", seen)
    try:
        for count, subject in ((MAX_PIPELINED, "few"), (MAX_PIPELINED + 1, "more")):
            with services.db.transaction() as session:
                for n in range(count):
                    _append(services, session, actor, f"{subject}-{n}")
            audited = [statement for statement in statements if "audit_" in statement]
            assert bool(audited) == (subject == "more"), audited  # the few never went through SQLAlchemy
    finally:
        event.remove(services.db.engine, "before_cursor_execute", seen)
    subjects = [subject for _index, action, subject in _records(services, actor.tenant_id) if action == "test:appended"]
    few, more = MAX_PIPELINED, MAX_PIPELINED + 1
    assert subjects == [f"few-{n}" for n in range(few)] + [f"more-{n}" for n in range(more)]
    assert _count(services, OutboxMessage, OutboxMessage.topic == TOPIC_MIRROR) == mirrors + 2  # one a transaction
    _verifies(services, actor.tenant_id)
    services.db.engine.dispose()


@pytest.mark.postgres
def test_on_postgresql_a_refused_pipelined_append_rolls_the_use_case_back(tmp_path: Path, postgres_url: str) -> None:
    """A head the statement cannot move (here its compact range wiped behind the process's back) raises in the
    pipeline: the COMMIT sent with it does not happen, the business rows are gone with the record, and the
    next append takes the locking read, rebuilds the range and succeeds."""
    services = ledger_services(tmp_path / "var", postgres_url, None, every_records=10_000)
    actor = new_tenant(services)
    register_debtors(services, actor, 1)  # warm-up: the process knows the origin
    debtors = _count(services, Debtor)
    written = _records(services, actor.tenant_id)
    with services.db.transaction() as session:
        session.execute(
            text("UPDATE audit_heads SET compact_range = NULL WHERE tenant_id = :t"), {"t": actor.tenant_id}
        )
    with pytest.raises(DBAPIError, match="no head with the expected origin") as refused:
        register_debtors(services, actor, 1)
    assert isinstance(refused.value.orig, psycopg.errors.RaiseException)
    assert _count(services, Debtor) == debtors
    assert _records(services, actor.tenant_id) == written
    register_debtors(services, actor, 1)
    assert _count(services, Debtor) == debtors + 1
    assert len(_records(services, actor.tenant_id)) == len(written) + 1
    _verifies(services, actor.tenant_id)
    services.db.engine.dispose()


def _count(services: Services, model: type[Any], *where: Any) -> int:
    with services.db.reading() as session:
        return int(session.execute(select(func.count()).select_from(model).where(*where)).scalar_one())
