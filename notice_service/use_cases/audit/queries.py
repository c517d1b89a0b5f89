"""Reading a tenant's audit ledger: records (by subject or case), the latest checkpoint, proofs, keys.

Every query is scoped by the actor's tenant. Bad parameters (an index beyond the tree, a tree larger than
the log, ``from`` after ``to``) are ``InvalidInput`` naming the parameter; proofs are RFC 9162 paths whose
hashes are hex, ordered from the leaf upwards, next to the root they lead to. Proofs and roots are read from
O(log n) perfect subtree hashes (``db.audit_subtrees``), not from every leaf up to ``tree_size``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.audit_subtrees import DatabaseNodes
from notice_service.db.models.audit import AuditCheckpoint, AuditLogKey
from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.notices import Notice
from notice_service.domain.audit.checkpoint import key_fingerprint, key_id, parse_verifier_key, verifier_key_string
from notice_service.domain.audit.merkle_levels import proof_ranges_consistency, proof_ranges_inclusion, range_hashes
from notice_service.errors import FieldError, InvalidInput, NotFound
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.audit.checkpoint import latest_checkpoint_row

MAX_PAGE = 500


@dataclass(frozen=True)
class RecordPage:
    records: list[tuple[int, str, bytes]]  # index, leaf hash, canonical bytes
    next_after: int | None


@dataclass(frozen=True)
class RecordFilter:
    subject_type: str | None = None
    subject_id: str | None = None
    case_id: str | None = None
    after: int = -1
    limit: int = 100


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"Invalid parameter {field}: {message}.", errors=[FieldError(field, message)])


def list_records(services: Services, actor: Actor, query: RecordFilter) -> RecordPage:
    if not 1 <= query.limit <= MAX_PAGE:
        raise _bad("limit", f"must be between 1 and {MAX_PAGE}")
    if (query.subject_type is None) != (query.subject_id is None):
        raise _bad("subject_id" if query.subject_id is None else "subject_type", "give subject_type and subject_id")
    statement = select(AuditRecord.index, AuditRecord.leaf_hash, AuditRecord.canonical).where(
        AuditRecord.tenant_id == actor.tenant_id, AuditRecord.index > query.after
    )
    if query.subject_type is not None:
        statement = statement.where(
            AuditRecord.subject_type == query.subject_type, AuditRecord.subject_id == query.subject_id
        )
    if query.case_id is not None:
        notices = select(Notice.id).where(Notice.tenant_id == actor.tenant_id, Notice.case_id == query.case_id)
        statement = statement.where(
            or_(
                (AuditRecord.subject_type == "case") & (AuditRecord.subject_id == query.case_id),
                (AuditRecord.subject_type == "notice") & AuditRecord.subject_id.in_(notices),
            )
        )
    with services.db.reading() as session:
        rows = session.execute(statement.order_by(AuditRecord.index).limit(query.limit + 1)).all()
    page = [(row[0], row[1], row[2]) for row in rows[: query.limit]]
    return RecordPage(page, page[-1][0] if len(rows) > query.limit else None)


def latest_checkpoint(services: Services, actor: Actor) -> AuditCheckpoint:
    with services.db.reading() as session:
        row = latest_checkpoint_row(session, actor.tenant_id)
    if row is None:
        raise NotFound("This log has no checkpoint yet; the worker signs one at the configured cadence.")
    return row


@dataclass(frozen=True)
class Proof:
    leaf_hash: str | None
    path: list[str]
    roots: dict[int, str]


def _log_size(session: Session, tenant_id: str) -> int:
    return audit_repository.head_of(session, tenant_id).size


def _proof(services: Services, tenant_id: str, ranges: list[tuple[int, int]], sizes: tuple[int, ...]) -> Proof:
    """The proof nodes and the roots at ``sizes`` from O(log n) subtree hashes; large ones are cached."""
    with services.db.reading() as session:
        source = DatabaseNodes(session, tenant_id)
        hashes = range_hashes(source, [*ranges, *((0, size) for size in sizes)])
    if source.computed:
        with services.db.transaction() as session:
            source.save(session)
    path, roots = hashes[: len(ranges)], hashes[len(ranges) :]
    return Proof(
        None, [node.hex() for node in path], {size: root.hex() for size, root in zip(sizes, roots, strict=True)}
    )


def prove_inclusion(services: Services, actor: Actor, index: int, tree_size: int) -> Proof:
    with services.db.reading() as session:
        log_size = _log_size(session, actor.tenant_id)
        leaf = session.execute(
            select(AuditRecord.leaf_hash).where(AuditRecord.tenant_id == actor.tenant_id, AuditRecord.index == index)
        ).scalar()
    if not 0 < tree_size <= log_size:
        raise _bad("tree_size", f"must be between 1 and the log size {log_size}")
    if not 0 <= index < tree_size or leaf is None:
        raise _bad("index", f"must be between 0 and tree_size - 1 ({tree_size - 1})")
    proof = _proof(services, actor.tenant_id, proof_ranges_inclusion(index, tree_size), (tree_size,))
    return Proof(leaf, proof.path, proof.roots)


def prove_consistency(services: Services, actor: Actor, first: int, second: int) -> Proof:
    with services.db.reading() as session:
        log_size = _log_size(session, actor.tenant_id)
    if not 0 < second <= log_size:
        raise _bad("to", f"must be between 1 and the log size {log_size}")
    if not 0 < first <= second:
        raise _bad("from", f"must be between 1 and to ({second})")
    return _proof(services, actor.tenant_id, proof_ranges_consistency(first, second), (first, second))


@dataclass(frozen=True)
class PublishedKey:
    name: str
    key_id: str
    fingerprint: str
    vkey: str
    valid_from_index: int | None


def _published(vkey: str, valid_from_index: int | None) -> PublishedKey:
    name, public = parse_verifier_key(vkey)
    return PublishedKey(name, key_id(name, public).hex(), key_fingerprint(public), vkey, valid_from_index)


def published_keys(services: Services, actor: Actor) -> tuple[PublishedKey | None, list[PublishedKey]]:
    """The service's current checkpoint key, and the keys this log has activated (its key history)."""
    signer = services.checkpoint_signer
    current = None if signer is None else _published(verifier_key_string(signer.key_name, signer.public_key()), None)
    with services.db.reading() as session:
        rows = session.execute(
            select(AuditLogKey).where(AuditLogKey.tenant_id == actor.tenant_id).order_by(AuditLogKey.valid_from_index)
        ).scalars()
        history = [_published(row.vkey, row.valid_from_index) for row in rows]
    return current, history
