"""Perfect subtree hashes of a tenant's Merkle tree read from the database, with a cache of the large ones.

A proof or a root needs O(log n) perfect subtree hashes (``domain.merkle_levels``). Subtrees of up to
2^(``CACHE_BITS``−1) leaves are folded from their leaves (one range read of at most 2^CACHE_BITS leaf hashes per
level band); subtrees at levels ``CACHE_BITS``, 2·``CACHE_BITS`` … are kept in ``audit_subtrees`` once
computed (a complete subtree of an append-only log never changes), and larger ones are folded from at most
2^CACHE_BITS cached children. A proof over a log of n records therefore reads O(2^CACHE_BITS · log n) rows at
most, and the first proof touching a region reads its leaves once. Cached hashes are derived data: a proof
built from a stale or forged cache fails against the signed checkpoint root, like any other wrong proof.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notice_service.db.models.audit import AuditSubtree
from notice_service.db.models.audit_log import AuditRecord

CACHE_BITS = 8


def _fold_perfect(hashes: Sequence[bytes]) -> bytes:
    """MTH of 2^k consecutive nodes of one level (k ≥ 0)."""
    level = list(hashes)
    sha256 = hashlib.sha256
    while len(level) > 1:
        level = [sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    return level[0]


class DatabaseNodes:
    """A ``NodeSource`` over one tenant's records; ``save`` keeps the large subtrees it had to compute."""

    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session, self.tenant_id = session, tenant_id
        self.computed: dict[tuple[int, int], bytes] = {}

    def nodes(self, wanted: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        return {node: self.node(*node) for node in wanted}

    def node(self, level: int, index: int) -> bytes:
        base = level - level % CACHE_BITS
        if base == 0:
            return _fold_perfect(self._leaves(index << level, (index + 1) << level))
        if base == level:
            return self._cached(level, index)
        span = level - base
        return _fold_perfect(self._band(base, index << span, (index + 1) << span))

    def _leaves(self, start: int, end: int) -> list[bytes]:
        rows = self.session.execute(
            select(AuditRecord.leaf_hash)
            .where(AuditRecord.tenant_id == self.tenant_id, AuditRecord.index >= start, AuditRecord.index < end)
            .order_by(AuditRecord.index)
        ).scalars()
        leaves = [bytes.fromhex(leaf) for leaf in rows]
        if len(leaves) != end - start:
            raise LookupError(f"records {start}..{end - 1} of tenant {self.tenant_id} are not all in the database")
        return leaves

    def _band(self, level: int, first: int, end: int) -> list[bytes]:
        """Nodes ``first``..``end − 1`` of a cached level, computing (and remembering) the missing ones."""
        rows = self.session.execute(
            select(AuditSubtree.index, AuditSubtree.hash).where(
                AuditSubtree.tenant_id == self.tenant_id,
                AuditSubtree.level == level,
                AuditSubtree.index >= first,
                AuditSubtree.index < end,
            )
        ).all()
        known = {index: node for index, node in rows}
        return [known.get(index) or self._compute(level, index) for index in range(first, end)]

    def _cached(self, level: int, index: int) -> bytes:
        return self._band(level, index, index + 1)[0]

    def _compute(self, level: int, index: int) -> bytes:
        below = level - CACHE_BITS
        if below == 0:
            node = _fold_perfect(self._leaves(index << level, (index + 1) << level))
        else:
            node = _fold_perfect(self._band(below, index << CACHE_BITS, (index + 1) << CACHE_BITS))
        self.computed[(level, index)] = node
        return node

    def save(self, session: Session) -> None:
        """Keep the computed subtrees (another request may have kept them first: then nothing changes)."""
        if not self.computed:
            return
        # Another request may cache the same subtrees at the same time; theirs are the same hashes.
        with contextlib.suppress(IntegrityError), session.begin_nested():
            session.add_all(
                AuditSubtree(tenant_id=self.tenant_id, level=level, index=index, hash=node)
                for (level, index), node in self.computed.items()
            )
