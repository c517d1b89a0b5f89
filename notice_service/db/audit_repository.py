"""Appending to and reading a tenant's audit log inside the caller's transaction.

Appends lock the tenant's ``audit_heads`` row (on PostgreSQL by the head's ``UPDATE`` or a ``SELECT … FOR
UPDATE``; SQLite transactions start with ``BEGIN IMMEDIATE``), so concurrent writers are serialised and the log
never forks or skips an index. The lock is held until the caller commits, so the work done under it is kept
to the minimum: the drafts are checked and canonicalised first (``domain.audit_log.prepare_record``). On
PostgreSQL a single record (the usual append) then takes ONE statement: the ``UPDATE`` of the head takes the
lock and, from the prepared fragments, assembles the record's canonical bytes, hashes them (``sha256``),
moves the head and its Merkle compact range (``audit_compact_append``, migration 0009), inserts the record and
queues the mirror (data-modifying CTEs); Python re-seals the same bytes and checks the leaf hash agrees.
Several records at once, and SQLite, take the general path: one locking read of the head, the records
sealed in Python, one (multi-row) ``INSERT``, one ``UPDATE`` of the head, one ``audit.mirror`` outbox row for the
first append of a transaction (on PostgreSQL the writes are one statement). The head row keeps the Merkle
tree's compact range, so the root after any append is known in O(log n).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Executable, LargeBinary, Table, bindparam, insert, select, text, update
from sqlalchemy.orm import Session

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


def append(session: Session, tenant_id: str, drafts: Sequence[RecordDraft], now: datetime) -> list[SealedRecord]:
    """Seal and insert ``drafts`` at the end of the tenant's log; queue their WORM mirroring."""
    prepared = [prepare_record(draft, now) for draft in drafts]
    if not prepared:
        return []
    session.flush()  # the caller's pending rows are written before the head is locked, not under the lock
    if len(prepared) == 1 and session.get_bind().dialect.name == "postgresql":
        one = _append_one(session, tenant_id, prepared[0], drafts[0], now)
        if one is not None:
            return [one]
    origin, size, prev, raw_border = session.execute(_LOCK_HEAD.where(_HEADS.c.tenant_id == tenant_id)).one()
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
before the head is locked; the statement checks it, and a miss falls back to the locking read."""

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
)
SELECT "index", prev, leaf FROM sealed
"""
).bindparams(
    bindparam("head", type_=LargeBinary()),
    bindparam("middle", type_=LargeBinary()),
    bindparam("tail", type_=LargeBinary()),
    bindparam("now", type_=UTCDateTime()),
)


def _append_one(
    session: Session, tenant_id: str, record: PreparedRecord, draft: RecordDraft, now: datetime
) -> SealedRecord | None:
    """PostgreSQL, one record: the head's ``UPDATE`` takes the row lock itself and, in the same statement, seals
    the record (the canonical bytes assembled from the prepared fragments, the leaf hash by ``sha256``), inserts
    it and queues the mirror; nothing runs under the lock but this statement and the caller's commit.
    Answers ``None`` (nothing written) when this process does not know the log's origin yet (or it differs),
    or the head has no compact range yet: the caller then takes the general path, which learns the one and
    rebuilds the other."""
    origin = _ORIGINS.get(tenant_id)
    if origin is None:
        return None
    log_json = log_member(origin)
    queue = _mirror_pending(session, tenant_id)
    row = session.execute(
        _APPEND_ONE,
        {
            "head": b"\x00" + record.head,
            "middle": b',"log":' + log_json + b',"prev":"',
            "tail": record.tail,
            "tenant": tenant_id,
            "origin": origin,
            "action": draft.action,
            "subject_type": draft.subject_type,
            "subject_id": draft.subject_id,
            "now": now,
            "topic": TOPIC_MIRROR,
            "queue": queue,
        },
    ).one_or_none()
    if row is None:
        return None
    index, prev, leaf = cast(tuple[int, str, str], tuple(row))
    sealed = record.seal(log_json, index, prev)
    if sealed.leaf_hash != leaf:  # the transaction is rolled back by the caller: nothing is committed
        raise RuntimeError(f"record {index}: PostgreSQL and Python disagree on its canonical bytes")
    if queue:
        _mark_queued(session, tenant_id)
    return sealed
