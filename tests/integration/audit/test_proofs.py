"""Proofs from O(log n) subtree hashes (cached in ``audit_subtrees``) equal the proofs over every leaf."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from notice_service.db import audit_repository
from notice_service.db.audit_subtrees import CACHE_BITS, DatabaseNodes
from notice_service.db.models.audit import AuditSubtree
from notice_service.db.models.audit_log import AuditRecord
from notice_service.domain.audit.merkle import consistency_proof, inclusion_proof, root_hash
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.audit.queries import prove_consistency, prove_inclusion
from tests.integration.audit.ledger_setup import ledger_services, new_tenant

SIZE = 2 + 3 * (1 << CACHE_BITS) + 77  # three complete cached subtrees and a ragged right edge


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, Actor, list[bytes]]]:
    root: Path = tmp_path_factory.mktemp("proofs")
    services = ledger_services(root / "var", f"sqlite:///{root / 'n.db'}", None, every_records=10**6)
    actor = new_tenant(services)
    with services.db.transaction() as session:
        drafts = [actor.record("test:appended", "row", str(n)) for n in range(SIZE - 2)]
        audit_repository.append(session, actor.tenant_id, drafts, services.clock.now())
    with services.db.reading() as session:
        query = (
            select(AuditRecord.leaf_hash).where(AuditRecord.tenant_id == actor.tenant_id).order_by(AuditRecord.index)
        )
        leaves = [bytes.fromhex(leaf) for leaf in session.execute(query).scalars()]
    assert len(leaves) == SIZE
    yield services, actor, leaves
    services.db.engine.dispose()


@pytest.mark.parametrize(
    ("index", "tree_size"), [(0, 1), (0, SIZE), (255, 256), (256, 513), (700, SIZE), (SIZE - 1, SIZE), (511, 770)]
)
def test_inclusion_proofs_equal_the_full_computation(
    ledger: tuple[Services, Actor, list[bytes]], index: int, tree_size: int
) -> None:
    services, actor, leaves = ledger
    proof = prove_inclusion(services, actor, index, tree_size)
    assert proof.leaf_hash == leaves[index].hex()
    assert proof.path == [node.hex() for node in inclusion_proof(leaves, index, tree_size)]
    assert proof.roots == {tree_size: root_hash(leaves[:tree_size]).hex()}


@pytest.mark.parametrize(("first", "second"), [(1, SIZE), (256, 512), (257, 768), (300, SIZE), (SIZE, SIZE), (5, 6)])
def test_consistency_proofs_equal_the_full_computation(
    ledger: tuple[Services, Actor, list[bytes]], first: int, second: int
) -> None:
    services, actor, leaves = ledger
    proof = prove_consistency(services, actor, first, second)
    assert proof.path == [node.hex() for node in consistency_proof(leaves, first, second)]
    assert proof.roots == {first: root_hash(leaves[:first]).hex(), second: root_hash(leaves[:second]).hex()}


def test_large_subtrees_are_cached_and_then_read_not_recomputed(ledger: tuple[Services, Actor, list[bytes]]) -> None:
    services, actor, _ = ledger
    prove_inclusion(services, actor, SIZE - 1, SIZE)
    with services.db.reading() as session:
        cached = session.execute(
            select(func.count()).select_from(AuditSubtree).where(AuditSubtree.tenant_id == actor.tenant_id)
        ).scalar_one()
        assert cached == 3, "the three complete subtrees of 2^CACHE_BITS leaves"
        nodes = DatabaseNodes(session, actor.tenant_id)
        nodes.nodes([(CACHE_BITS, 0), (CACHE_BITS, 2), (CACHE_BITS + 1, 0)])
        assert nodes.computed == {}
