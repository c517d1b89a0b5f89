"""PostgreSQL: a tenant's log grows by one record in ONE statement, sent with the transaction's ``COMMIT``
(a transaction's few records: one statement each, in the same pipeline).

``append_one`` runs the statement at once (``audit_repository.append_now``); ``send_with_commit`` hands the
record to the session's connection at ``before_commit``, and the connection's ``commit`` event sends the
statement and ``COMMIT`` in one psycopg pipeline (see ``audit_repository`` for when each applies). The
statement (``_APPEND_ONE``) takes the head row lock with its ``UPDATE`` and, from the record's prepared
fragments, assembles its canonical bytes, hashes them, moves the head and its Merkle compact range, inserts
the record and queues the mirror message. It raises (``audit_append_refused``, migration 0011) rather than
answer no row, so a pipelined ``COMMIT`` never keeps a transaction's rows without its record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

import psycopg
from sqlalchemy import Connection, Engine, LargeBinary, Transaction, bindparam, event, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from notice_service.db.types import UTCDateTime
from notice_service.domain.audit.records import PreparedRecord, RecordDraft, SealedRecord, log_member

TOPIC_MIRROR = "audit.mirror"


ORIGINS: dict[str, str] = {}
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
def append_one_sql() -> str:
    """``_APPEND_ONE`` as psycopg takes it (``%(name)s`` placeholders), for the pipelined commit."""
    return str(_APPEND_ONE.compile(dialect=postgresql.psycopg.dialect()))  # type: ignore[no-untyped-call]


def append_one_params(
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


def append_one(
    session: Session, tenant_id: str, record: PreparedRecord, draft: RecordDraft, now: datetime
) -> SealedRecord | None:
    """PostgreSQL, one record: the head's ``UPDATE`` takes the row lock itself and, in the same statement, seals
    the record (the canonical bytes assembled from the prepared fragments, the leaf hash by ``sha256``), inserts
    it and queues the mirror; nothing runs under the lock but this statement and the caller's commit.
    Answers ``None`` (nothing written) when this process does not know the log's origin yet: the caller then
    takes the locking read, which learns it."""
    origin = ORIGINS.get(tenant_id)
    if origin is None:
        return None
    queue = mirror_pending(session, tenant_id)
    try:
        row = session.execute(_APPEND_ONE, append_one_params(tenant_id, origin, record, draft, now, queue)).one()
    except DBAPIError as error:
        if isinstance(error.orig, psycopg.errors.RaiseException):
            ORIGINS.pop(tenant_id, None)
        raise
    sealed = _check_sealed(record, log_member(origin), *row)  # a RuntimeError here rolls the caller back
    if queue:
        mark_mirror_queued(session, tenant_id)
    return sealed


def mirror_pending(session: Session, tenant_id: str) -> bool:
    """Whether this transaction has not queued its ``audit.mirror`` message for the tenant yet."""
    return session.info.get("audit.mirror-queued", {}).get(tenant_id) is not session.get_transaction()


def mark_mirror_queued(session: Session, tenant_id: str) -> None:
    session.info.setdefault("audit.mirror-queued", {})[tenant_id] = session.get_transaction()


#: At most this many records of one log ride with a ``COMMIT`` (a letter issued by a run: ``notice:issued``,
#: ``run_item:issued`` and perhaps ``run:completed``); more take the locking read and one multi-row write.
MAX_PIPELINED = 4


def send_with_commit(
    session: Session,
    tenant_id: str,
    origin: str,
    records: Sequence[tuple[PreparedRecord, RecordDraft]],
    now: datetime,
) -> None:
    """Hand the records (one log's, in order) to the session's connection, to be appended by the transaction's
    ``COMMIT``: one statement each, sent with it in one pipeline; the first queues the mirror message."""
    when = UTCDateTime().process_bind_param(now, session.get_bind().dialect)
    queue = mirror_pending(session, tenant_id)
    statements = []
    for n, (record, draft) in enumerate(records):
        params = append_one_params(tenant_id, origin, record, draft, now, queue and n == 0)
        params["now"] = when
        statements.append((record, params))
    connection = session.connection()
    connection.info[_PIPELINED] = _Pipelined(connection.get_transaction(), tenant_id, origin, tuple(statements))


_PIPELINED = "audit.pipelined"


@dataclass(frozen=True)
class _Pipelined:
    """Records handed to a connection at ``before_commit``, for the ``COMMIT`` of that transaction."""

    transaction: Transaction | None
    tenant_id: str
    origin: str
    statements: tuple[tuple[PreparedRecord, dict[str, Any]], ...]


@event.listens_for(Engine, "commit")
def _commit_pipelined(connection: Connection) -> None:
    """PostgreSQL: send the records' one-statement appends and ``COMMIT`` in one pipeline, as the transaction's
    commit (SQLAlchemy's own ``COMMIT`` then finds nothing to do). The head lock is taken by the first statement
    and released by the ``COMMIT`` without waiting for the client in between; each statement moves the head the
    one before left. A failure raises here, before anything is committed (a refused statement aborts the
    pipeline, ``COMMIT`` included): SQLAlchemy then rolls the transaction back."""
    pending = connection.info.pop(_PIPELINED, None)
    if not isinstance(pending, _Pipelined) or pending.transaction is not connection.get_transaction():
        return
    driver = cast(psycopg.Connection[Any], connection.connection.driver_connection)
    cursors = []
    try:
        with driver.pipeline():
            for _record, params in pending.statements:
                cursors.append(driver.cursor())
                cursors[-1].execute(append_one_sql(), params, prepare=True)
            driver.commit()
        rows = [cursor.fetchone() for cursor in cursors]
    except psycopg.Error as error:
        if isinstance(error, psycopg.errors.RaiseException):
            ORIGINS.pop(pending.tenant_id, None)  # the next append re-reads the head (and rebuilds its range)
        raise DBAPIError.instance(append_one_sql(), pending.statements[0][1], error, psycopg.Error) from error
    log_json = log_member(pending.origin)
    for (record, _params), row in zip(pending.statements, rows, strict=True):
        if row is None:  # cannot happen: the statement raises rather than answer no row
            raise RuntimeError(f"tenant {pending.tenant_id}: the pipelined append answered no row")
        _check_sealed(record, log_json, *row)  # after the commit: a bug, loudly


@event.listens_for(Engine, "rollback")
def _forget_pipelined(connection: Connection) -> None:
    connection.info.pop(_PIPELINED, None)
