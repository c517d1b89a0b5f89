"""Appending to and reading a tenant's audit log inside the caller's transaction.

Appends lock the tenant's ``audit_heads`` row (on PostgreSQL by the head's ``UPDATE`` or a ``SELECT … FOR
UPDATE``; SQLite transactions start with ``BEGIN IMMEDIATE``), so concurrent writers are serialised and the log
never forks or skips an index. The lock is held until the caller commits, so the work done under it is kept
to the minimum:

- ``append`` checks and canonicalises the drafts at once (``domain.audit_log.prepare_record``: a bad draft
  fails the use case where it is written) but only *queues* them on the transaction. They are written, in
  order, by the first of: the transaction's commit; any later statement the session executes (so a query in
  the same transaction sees them, as if they had been written at once); ``append_now``. The head is therefore
  locked at the very end of the business transaction, after its own work, and the lock is held for one
  statement and the commit.
- On PostgreSQL, when a transaction's only queued record is one record, it is handed to the connection at
  ``before_commit`` and sent as the commit itself (the ``commit`` event of SQLAlchemy's connection, after every
  other ``before_commit`` hook and flush): the one-statement append and ``COMMIT`` go to the server in one
  pipeline (psycopg pipeline mode), so the head lock is held for the server's work alone,
  never for a round trip to a Python client waiting for a CPU or the GIL. That statement, from the prepared
  fragments, takes the lock (the head's ``UPDATE``), assembles the record's canonical bytes, hashes them
  (``sha256``), moves the head and its Merkle compact range (``audit_compact_append``, migration 0009),
  inserts the record and queues the mirror (data-modifying CTEs). If it finds no head to move it raises
  (``audit_append_refused``, migration 0011), so the pipelined ``COMMIT`` becomes a rollback: the business rows
  are never kept without their record. After the commit Python re-seals the same bytes and checks the leaf
  hash agrees (a disagreement is a bug and is raised, the committed record itself verifies either way).
- ``append_now`` (a caller that needs the record's index), several records at once, a process that does not
  know the log's origin yet, and SQLite take the immediate paths: one locking read of the head, the records
  sealed in Python, one (multi-row) ``INSERT``, one ``UPDATE`` of the head, one ``audit.mirror`` outbox row for
  the first append of a transaction (on PostgreSQL the writes are one statement).

Savepoints (``Session.begin_nested``): records queued before one are never written inside it (statements
there do not write the queue); records appended inside one are queued too, and forgotten if it rolls back.
The head row keeps the Merkle tree's compact range, so the root after any append is known in O(log n).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

import psycopg
from sqlalchemy import (
    Connection,
    Engine,
    Executable,
    LargeBinary,
    Table,
    Transaction,
    bindparam,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from notice_service.db.models import AuditHead, AuditRecord, OutboxMessage
from notice_service.db.models_audit import AuditMirror
from notice_service.db.types import UTCDateTime
from notice_service.domain.audit_log import (
    GENESIS_PREV,
    PreparedRecord,
    RecordDraft,
    SealedRecord,
    log_member,
    prepare_record,
)
from notice_service.domain.merkle import HASH_SIZE, CompactRange

TOPIC_MIRROR = "audit.mirror"
_HEADS = cast(Table, AuditHead.__table__)
_RECORDS = cast(Table, AuditRecord.__table__)
_OUTBOX = cast(Table, OutboxMessage.__table__)
_MIRRORS = cast(Table, AuditMirror.__table__)
_LOCK_HEAD = select(_HEADS.c.origin, _HEADS.c.size, _HEADS.c.last_leaf_hash, _HEADS.c.compact_range).with_for_update()


def create_log(session: Session, tenant_id: str, origin: str) -> None:
    session.add(AuditHead(tenant_id=tenant_id, origin=origin, size=0, last_leaf_hash=GENESIS_PREV))
    session.flush()
    session.execute(insert(_MIRRORS).values(tenant_id=tenant_id, size=0))


def append(session: Session, tenant_id: str, drafts: Sequence[RecordDraft], now: datetime) -> None:
    """Queue ``drafts`` for the end of the tenant's log: sealed and written no later than the commit (see the
    module docstring); a draft that breaks the record format raises here."""
    prepared = [prepare_record(draft, now) for draft in drafts]
    savepoint = session.get_nested_transaction()
    _queue(session).extend(
        (tenant_id, record, draft, now, savepoint) for record, draft in zip(prepared, drafts, strict=True)
    )


def append_now(session: Session, tenant_id: str, drafts: Sequence[RecordDraft], now: datetime) -> list[SealedRecord]:
    """Seal and insert ``drafts`` at the end of the tenant's log at once (after anything queued), and answer
    them sealed; the head stays locked until the caller commits. Not inside a savepoint."""
    if session.in_nested_transaction():
        raise RuntimeError("append_now inside a savepoint: its rollback would take records queued before it")
    prepared = [prepare_record(draft, now) for draft in drafts]
    write_queued(session)
    if not prepared:
        return []
    return _append_prepared(session, tenant_id, prepared, list(drafts), now)


_QUEUE = "audit.queued"
Queued = tuple[str, PreparedRecord, RecordDraft, datetime, SessionTransaction | None]
"""tenant, record, draft, time, and the savepoint it was queued in (``None``: the transaction itself)."""


def _queue(session: Session) -> list[Queued]:
    """The records queued by this session's current (outermost) transaction."""
    transaction, queue = session.info.get(_QUEUE, (None, []))
    if transaction is not session.get_transaction():
        queue = []
        session.info[_QUEUE] = (session.get_transaction(), queue)
    return cast(list[Queued], queue)


def _take_queue(session: Session) -> list[Queued]:
    transaction, queue = session.info.pop(_QUEUE, (None, []))
    return cast(list[Queued], queue) if transaction is session.get_transaction() else []


def write_queued(session: Session) -> None:
    """Write the records queued by ``append`` now, in order (consecutive ones of a tenant in one append)."""
    queue = _take_queue(session)
    start = 0
    while start < len(queue):
        tenant_id, now = queue[start][0], queue[start][3]
        end = start + 1
        while end < len(queue) and queue[end][0] == tenant_id and queue[end][3] == now:
            end += 1
        batch = queue[start:end]
        _append_prepared(session, tenant_id, [item[1] for item in batch], [item[2] for item in batch], now)
        start = end


@event.listens_for(Session, "do_orm_execute")
def _write_before_statement(execute_state: ORMExecuteState) -> None:
    """A statement the session executes after ``append`` sees the queued records. Not inside a savepoint:
    written there, records queued before it would be undone by its rollback."""
    session = execute_state.session
    if _QUEUE in session.info and not session.in_nested_transaction():
        write_queued(session)


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    """Whatever commits the session, queued records are written first; on PostgreSQL a lone record of a log
    this process knows is handed to the connection instead, to go with its ``COMMIT`` (``_commit_pipelined``).
    A savepoint's commit (the event fires for those too) leaves them queued for the transaction's."""
    if _QUEUE not in session.info or session.in_nested_transaction():
        return
    queue = _queue(session)
    origin = _ORIGINS.get(queue[0][0]) if len(queue) == 1 else None
    if origin is None or session.get_bind().dialect.name != "postgresql":
        write_queued(session)
        return
    session.flush()  # the caller's pending rows, before the head is locked
    _take_queue(session)
    tenant_id, record, draft, now, _savepoint = queue[0]
    params = _append_one_params(tenant_id, origin, record, draft, now, _mirror_pending(session, tenant_id))
    params["now"] = UTCDateTime().process_bind_param(now, session.get_bind().dialect)
    connection = session.connection()
    connection.info[_PIPELINED] = _Pipelined(connection.get_transaction(), tenant_id, origin, record, params)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """A savepoint rolled back takes the records queued inside it (or inside savepoints within it) along."""
    if _QUEUE not in session.info or not previous_transaction.nested:
        return
    queue = _queue(session)
    queue[:] = [item for item in queue if not _within(item[4], previous_transaction)]


def _within(savepoint: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while savepoint is not None:
        if savepoint is ended:
            return True
        savepoint = savepoint.parent
    return False


_PIPELINED = "audit.pipelined"


@dataclass(frozen=True)
class _Pipelined:
    """A lone record handed to a connection at ``before_commit``, for the ``COMMIT`` of that transaction."""

    transaction: Transaction | None
    tenant_id: str
    origin: str
    record: PreparedRecord
    params: dict[str, Any]


@event.listens_for(Engine, "commit")
def _commit_pipelined(connection: Connection) -> None:
    """PostgreSQL: send the record's one-statement append and ``COMMIT`` in one pipeline, as the transaction's
    commit (SQLAlchemy's own ``COMMIT`` then finds nothing to do). The head lock is taken by the statement and
    released by the ``COMMIT`` without waiting for the client in between. A failure raises here, before
    anything is committed: SQLAlchemy then rolls the transaction back."""
    pending = connection.info.pop(_PIPELINED, None)
    if not isinstance(pending, _Pipelined) or pending.transaction is not connection.get_transaction():
        return
    driver = cast(psycopg.Connection[Any], connection.connection.driver_connection)
    try:
        with driver.pipeline():
            cursor = driver.cursor()
            cursor.execute(_append_one_sql(), pending.params, prepare=True)
            driver.commit()
        row = cursor.fetchone()
    except psycopg.Error as error:
        if isinstance(error, psycopg.errors.RaiseException):
            _ORIGINS.pop(pending.tenant_id, None)  # the next append re-reads the head (and rebuilds its range)
        raise DBAPIError.instance(_append_one_sql(), pending.params, error, psycopg.Error) from error
    if row is None:  # cannot happen: the statement raises rather than answer no row
        raise RuntimeError(f"tenant {pending.tenant_id}: the pipelined append answered no row")
    _check_sealed(pending.record, log_member(pending.origin), *row)  # after the commit: a bug, loudly


@event.listens_for(Engine, "rollback")
def _forget_pipelined(connection: Connection) -> None:
    connection.info.pop(_PIPELINED, None)


def _append_prepared(
    session: Session, tenant_id: str, prepared: list[PreparedRecord], drafts: list[RecordDraft], now: datetime
) -> list[SealedRecord]:
    session.flush()  # the caller's pending rows are written before the head is locked, not under the lock
    if len(prepared) == 1 and session.get_bind().dialect.name == "postgresql":
        one = _append_one(session, tenant_id, prepared[0], drafts[0], now)
        if one is not None:
            return [one]
    origin, size, prev, raw_border = session.execute(_LOCK_HEAD.where(_HEADS.c.tenant_id == tenant_id)).one()
    if raw_border is not None:  # the one-statement append needs a committed compact range
        _ORIGINS[tenant_id] = origin
    compact = _compact(session, tenant_id, size, raw_border)
    log_json = log_member(origin)
    sealed: list[SealedRecord] = []
    for offset, record in enumerate(prepared):
        sealed.append(record.seal(log_json, size + offset, prev))
        prev = sealed[-1].leaf_hash
        compact = compact.append(bytes.fromhex(prev))
    rows = [_record_row(tenant_id, record, draft, now) for record, draft in zip(sealed, drafts, strict=True)]
    head = {
        "head_tenant": tenant_id,
        "head_size": compact.size,
        "head_last": prev,
        "head_border": b"".join(compact.border),
    }
    _write(session, rows, head, _mirror_message(session, tenant_id, sealed[0].index, sealed[-1].index, now))
    return sealed


def _record_row(tenant_id: str, record: SealedRecord, draft: RecordDraft, now: datetime) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "index": record.index,
        "leaf_hash": record.leaf_hash,
        "canonical": record.canonical,
        "action": draft.action,
        "subject_type": draft.subject_type,
        "subject_id": draft.subject_id,
        "recorded_at": now,
    }


def _mirror_pending(session: Session, tenant_id: str) -> bool:
    """Whether this transaction has not queued its ``audit.mirror`` message for the tenant yet."""
    return session.info.get("audit.mirror-queued", {}).get(tenant_id) is not session.get_transaction()


def _mark_queued(session: Session, tenant_id: str) -> None:
    session.info.setdefault("audit.mirror-queued", {})[tenant_id] = session.get_transaction()


def _mirror_message(session: Session, tenant_id: str, first: int, last: int, now: datetime) -> dict[str, Any] | None:
    """One ``audit.mirror`` message per transaction and tenant: the worker mirrors up to the committed head."""
    if not _mirror_pending(session, tenant_id):
        return None
    _mark_queued(session, tenant_id)
    return {
        "tenant_id": tenant_id,
        "topic": TOPIC_MIRROR,
        "payload": {"from": first, "to": last},
        "created_at": now,
        "available_at": now,
        "attempts": 0,
    }


_RECORD_COLUMNS = (
    "tenant_id",
    "index",
    "leaf_hash",
    "canonical",
    "action",
    "subject_type",
    "subject_id",
    "recorded_at",
)
_MESSAGE_COLUMNS = ("tenant_id", "topic", "payload", "created_at", "available_at", "attempts")
_MOVE_HEAD = (
    update(_HEADS)
    .where(_HEADS.c.tenant_id == bindparam("head_tenant"))
    .values(size=bindparam("head_size"), last_leaf_hash=bindparam("head_last"), compact_range=bindparam("head_border"))
)


@cache
def _one_statement(records: int, message: bool) -> Executable:
    """PostgreSQL: records, head and outbox row in one statement (data-modifying CTEs), built once per shape
    with named parameters so SQLAlchemy compiles it once and each append only binds values."""
    statement = _MOVE_HEAD
    for i in range(records):  # one single-row INSERT per record: multi-row VALUES would not be cacheable
        row = insert(_RECORDS).values({column: bindparam(f"r{i}_{column}") for column in _RECORD_COLUMNS})
        statement = statement.add_cte(row.cte(f"appended{i}"))
    if message:
        queued = insert(_OUTBOX).values({column: bindparam(f"m_{column}") for column in _MESSAGE_COLUMNS})
        statement = statement.add_cte(queued.cte("queued"))
    return statement


def _write(session: Session, rows: list[dict[str, Any]], head: dict[str, Any], message: dict[str, Any] | None) -> None:
    """Records, head and outbox row; on PostgreSQL in one round trip."""
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(_RECORDS), rows)
        session.execute(_MOVE_HEAD, head)
        if message is not None:
            session.execute(insert(_OUTBOX), message)
        return
    params = dict(head)
    for i, row in enumerate(rows):
        params.update({f"r{i}_{column}": value for column, value in row.items()})
    if message is not None:
        params.update({f"m_{column}": value for column, value in message.items()})
    session.execute(_one_statement(len(rows), message is not None), params)


def _compact(session: Session, tenant_id: str, size: int, raw: bytes | None) -> CompactRange:
    if raw is not None:
        return CompactRange(size, tuple(raw[i : i + HASH_SIZE] for i in range(0, len(raw), HASH_SIZE)))
    leaves = session.execute(
        select(_RECORDS.c.leaf_hash).where(_RECORDS.c.tenant_id == tenant_id).order_by(_RECORDS.c.index)
    ).scalars()
    return CompactRange.from_leaves([bytes.fromhex(leaf) for leaf in leaves])


def compact_range(session: Session, head: AuditHead) -> CompactRange:
    """The head's Merkle right border; logs created before it was kept get it rebuilt once from the leaves."""
    return _compact(session, head.tenant_id, head.size, head.compact_range)


def iter_records(session: Session, tenant_id: str, batch: int = 5000, start: int = 0) -> Iterator[bytes]:
    """Every record's canonical bytes from ``start`` on, in index order, read in batches."""
    while True:
        rows = session.execute(
            select(_RECORDS.c.canonical)
            .where(_RECORDS.c.tenant_id == tenant_id, _RECORDS.c.index >= start)
            .order_by(_RECORDS.c.index)
            .limit(batch)
        ).scalars()
        chunk = list(rows)
        yield from chunk
        if len(chunk) < batch:
            return
        start += batch


def records_for_subject(session: Session, tenant_id: str, subject_type: str, subject_id: str) -> list[bytes]:
    return list(
        session.execute(
            select(AuditRecord.canonical)
            .where(
                AuditRecord.tenant_id == tenant_id,
                AuditRecord.subject_type == subject_type,
                AuditRecord.subject_id == subject_id,
            )
            .order_by(AuditRecord.index)
        ).scalars()
    )


def head_of(session: Session, tenant_id: str) -> AuditHead:
    return session.execute(select(AuditHead).where(AuditHead.tenant_id == tenant_id)).scalar_one()


_ORIGINS: dict[str, str] = {}
"""Each tenant's log origin (it never changes once the log exists), so the canonical ``log`` member is known
before the head is locked. Learnt by the locking read of the immediate path, and only once the head has a
committed compact range: until then every append takes that path (which rebuilds the range)."""

_APPEND_ONE = text(
    """
WITH moved AS (
    UPDATE audit_heads
    SET size = size + 1,
        last_leaf_hash = encode(sha256(:head || convert_to(size::text, 'UTF8') || :middle
                                       || convert_to(last_leaf_hash, 'UTF8') || :tail), 'hex'),
        compact_range = audit_compact_append(
            compact_range, size,
            sha256(:head || convert_to(size::text, 'UTF8') || :middle || convert_to(last_leaf_hash, 'UTF8') || :tail)
        )
    WHERE tenant_id = :tenant AND origin = :origin AND compact_range IS NOT NULL
    RETURNING OLD.size AS "index", OLD.last_leaf_hash AS prev, NEW.last_leaf_hash AS leaf
), sealed AS (
    SELECT "index", prev, leaf,
           substring(:head || convert_to("index"::text, 'UTF8') || :middle || convert_to(prev, 'UTF8') || :tail
                     FROM 2) AS canonical
    FROM moved
), appended AS (
    INSERT INTO audit_records (tenant_id, "index", leaf_hash, canonical, action, subject_type, subject_id, recorded_at)
    SELECT :tenant, "index", leaf, canonical, :action, :subject_type, :subject_id, :now FROM sealed
), queued AS (
    INSERT INTO outbox (tenant_id, topic, payload, created_at, available_at, attempts)
    SELECT :tenant, :topic, json_build_object('from', "index", 'to', "index"), :now, :now, 0 FROM sealed
    WHERE CAST(:queue AS boolean)
), checked AS (
    SELECT count(*) AS moved FROM sealed
)
SELECT sealed."index", sealed.prev, sealed.leaf
FROM checked LEFT JOIN sealed ON true
WHERE CASE WHEN checked.moved = 1 THEN true ELSE audit_append_refused(:tenant) END
"""
).bindparams(
    bindparam("head", type_=LargeBinary()),
    bindparam("middle", type_=LargeBinary()),
    bindparam("tail", type_=LargeBinary()),
    bindparam("now", type_=UTCDateTime()),
)


@cache
def _append_one_sql() -> str:
    """``_APPEND_ONE`` as psycopg takes it (``%(name)s`` placeholders), for the pipelined commit."""
    return str(_APPEND_ONE.compile(dialect=postgresql.psycopg.dialect()))  # type: ignore[no-untyped-call]


def _append_one_params(
    tenant_id: str, origin: str, record: PreparedRecord, draft: RecordDraft, now: datetime, queue: bool
) -> dict[str, Any]:
    return {
        "head": b"\x00" + record.head,
        "middle": b',"log":' + log_member(origin) + b',"prev":"',
        "tail": record.tail,
        "tenant": tenant_id,
        "origin": origin,
        "action": draft.action,
        "subject_type": draft.subject_type,
        "subject_id": draft.subject_id,
        "now": now,
        "topic": TOPIC_MIRROR,
        "queue": queue,
    }


def _check_sealed(record: PreparedRecord, log_json: bytes, index: int, prev: str, leaf: str) -> SealedRecord:
    sealed = record.seal(log_json, index, prev)
    if sealed.leaf_hash != leaf:
        raise RuntimeError(f"record {index}: PostgreSQL and Python disagree on its canonical bytes")
    return sealed


def _append_one(
    session: Session, tenant_id: str, record: PreparedRecord, draft: RecordDraft, now: datetime
) -> SealedRecord | None:
    """PostgreSQL, one record: the head's ``UPDATE`` takes the row lock itself and, in the same statement, seals
    the record (the canonical bytes assembled from the prepared fragments, the leaf hash by ``sha256``), inserts
    it and queues the mirror; nothing runs under the lock but this statement and the caller's commit.
    Answers ``None`` (nothing written) when this process does not know the log's origin yet: the caller then
    takes the locking read, which learns it."""
    origin = _ORIGINS.get(tenant_id)
    if origin is None:
        return None
    queue = _mirror_pending(session, tenant_id)
    try:
        row = session.execute(_APPEND_ONE, _append_one_params(tenant_id, origin, record, draft, now, queue)).one()
    except DBAPIError as error:
        if isinstance(error.orig, psycopg.errors.RaiseException):
            _ORIGINS.pop(tenant_id, None)
        raise
    sealed = _check_sealed(record, log_member(origin), *row)  # a RuntimeError here rolls the caller back
    if queue:
        _mark_queued(session, tenant_id)
    return sealed
