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
- On PostgreSQL, when a transaction's queued records are one log's few records (``MAX_PIPELINED``, one time), they
  are handed to the connection at ``before_commit`` and sent as the commit itself (the ``commit`` event of
  SQLAlchemy's connection, after every other ``before_commit`` hook and flush): the one-statement appends (one per
  record) and ``COMMIT`` go to the server in one pipeline (psycopg pipeline mode, ``db.audit_one_statement``), so
  the head lock is held for the server's work alone, never for a round trip to a Python client waiting for a CPU or
  the GIL. That statement, from the prepared fragments, takes the lock (the head's ``UPDATE``), assembles the
  record's canonical bytes, hashes them (``sha256``), moves the head and its Merkle compact range
  (``audit_compact_append``, migration 0009), inserts the record and queues the mirror (data-modifying CTEs). If it
  finds no head to move it raises (``audit_append_refused``, migration 0011), so the pipelined ``COMMIT`` becomes a
  rollback: the business rows are never kept without their record. After the commit Python re-seals the same bytes
  and checks the leaf hash agrees (a disagreement is a bug and is raised, the committed record itself verifies
  either way).
- ``append_now`` (a caller that needs the record's index) runs that statement at once for a lone record.
  Several records at once, a process that does not know the log's origin yet, and SQLite take the general
  path: one locking read of the head, the records
  sealed in Python, one (multi-row) ``INSERT``, one ``UPDATE`` of the head, one ``audit.mirror`` outbox row for
  the first append of a transaction (on PostgreSQL the writes are one statement).

Savepoints (``Session.begin_nested``): records queued before one are never written inside it (statements
there do not write the queue); records appended inside one are queued too, and forgotten if it rolls back.
The head row keeps the Merkle tree's compact range, so the root after any append is known in O(log n).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import cache
from itertools import groupby
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    Executable,
    Table,
    bindparam,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from notice_service.db import audit_one_statement as one_statement
from notice_service.db import held_commit
from notice_service.db.audit_one_statement import TOPIC_MIRROR as TOPIC_MIRROR
from notice_service.db.models.audit import AuditMirror
from notice_service.db.models.audit_log import AuditHead, AuditRecord
from notice_service.db.models.outbox import OutboxMessage
from notice_service.domain.audit.merkle import HASH_SIZE, CompactRange
from notice_service.domain.audit.records import (
    GENESIS_PREV,
    PreparedRecord,
    RecordDraft,
    SealedRecord,
    log_member,
    prepare_record,
)

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
        Queued(tenant_id, record, draft, now, savepoint) for record, draft in zip(prepared, drafts, strict=True)
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


class Queued(NamedTuple):
    """A record ``append`` queued: its log, its prepared form and draft, its time, and the savepoint it was
    queued in (``None``: the transaction itself)."""

    tenant_id: str
    record: PreparedRecord
    draft: RecordDraft
    now: datetime
    savepoint: SessionTransaction | None


def _queue(session: Session) -> list[Queued]:
    """The records queued by this session's current (outermost) transaction."""
    transaction, queue = session.info.get(_QUEUE, (None, []))
    if transaction is not session.get_transaction():
        queue = []
        session.info[_QUEUE] = (session.get_transaction(), queue)
        held_commit.mark_written(session)  # written by the commit: a held block with records is not empty
    return cast(list[Queued], queue)


def _take_queue(session: Session) -> list[Queued]:
    transaction, queue = session.info.pop(_QUEUE, (None, []))
    return cast(list[Queued], queue) if transaction is session.get_transaction() else []


def write_queued(session: Session) -> None:
    """Write the records queued by ``append`` now, in order (consecutive ones of a tenant in one append)."""
    for (tenant_id, now), group in groupby(_take_queue(session), key=lambda item: (item.tenant_id, item.now)):
        batch = list(group)
        _append_prepared(session, tenant_id, [item.record for item in batch], [item.draft for item in batch], now)


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
    this process knows is handed to the connection instead, to go with its ``COMMIT`` (``audit_one_statement``).
    A savepoint's commit (the event fires for those too) leaves them queued for the transaction's."""
    if _QUEUE not in session.info or session.in_nested_transaction():
        return
    queue = _queue(session)
    few = 0 < len(queue) <= one_statement.MAX_PIPELINED and len({(q.tenant_id, q.now) for q in queue}) == 1
    origin = one_statement.ORIGINS.get(queue[0].tenant_id) if few else None
    if origin is None or session.get_bind().dialect.name != "postgresql":
        write_queued(session)
        return
    session.flush()  # the caller's pending rows, before the head is locked
    _take_queue(session)
    records = [(item.record, item.draft) for item in queue]
    one_statement.send_with_commit(session, queue[0].tenant_id, origin, records, queue[0].now)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """A savepoint rolled back takes the records queued inside it (or inside savepoints within it) along."""
    if _QUEUE not in session.info or not previous_transaction.nested:
        return
    queue = _queue(session)
    queue[:] = [item for item in queue if not _within(item.savepoint, previous_transaction)]


def _within(savepoint: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while savepoint is not None:
        if savepoint is ended:
            return True
        savepoint = savepoint.parent
    return False


def _append_prepared(
    session: Session, tenant_id: str, prepared: list[PreparedRecord], drafts: list[RecordDraft], now: datetime
) -> list[SealedRecord]:
    session.flush()  # the caller's pending rows are written before the head is locked, not under the lock
    if len(prepared) == 1 and session.get_bind().dialect.name == "postgresql":
        one = one_statement.append_one(session, tenant_id, prepared[0], drafts[0], now)
        if one is not None:
            return [one]
    origin, size, prev, raw_border = session.execute(_LOCK_HEAD.where(_HEADS.c.tenant_id == tenant_id)).one()
    if raw_border is not None:  # the one-statement append needs a committed compact range
        one_statement.ORIGINS[tenant_id] = origin
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


def _mirror_message(session: Session, tenant_id: str, first: int, last: int, now: datetime) -> dict[str, Any] | None:
    """One ``audit.mirror`` message per transaction and tenant: the worker mirrors up to the committed head."""
    if not one_statement.mirror_pending(session, tenant_id):
        return None
    one_statement.mark_mirror_queued(session, tenant_id)
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
