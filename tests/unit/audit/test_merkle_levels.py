"""Perfect-subtree decomposition, folded ranges and proofs from stored levels equal the RFC 9162 reference."""

from __future__ import annotations

import pytest

from notice_service.domain.audit.merkle import EMPTY_ROOT, consistency_proof, hash_leaf, inclusion_proof, root_hash
from notice_service.domain.audit.merkle_levels import (
    MerkleLevels,
    fold,
    perfect_subtrees,
    proof_ranges_consistency,
    proof_ranges_inclusion,
)

LEAVES = [hash_leaf(bytes([n])) for n in range(40)]


@pytest.mark.parametrize(
    ("start", "end", "tiles"),
    [
        (0, 0, []),
        (0, 1, [(0, 0)]),
        (0, 7, [(2, 0), (1, 2), (0, 6)]),
        (4, 8, [(2, 1)]),
        (8, 13, [(2, 2), (0, 12)]),
        (3, 8, [(0, 3), (2, 1)]),
        (0, 40, [(5, 0), (3, 4)]),
        (32, 40, [(3, 4)]),
    ],
)
def test_perfect_subtrees_tile_a_range(start: int, end: int, tiles: list[tuple[int, int]]) -> None:
    assert perfect_subtrees(start, end) == tiles


@pytest.mark.parametrize(
    ("index", "size", "ranges"),
    [
        (0, 1, []),
        (0, 2, [(1, 2)]),
        (2, 7, [(3, 4), (0, 2), (4, 7)]),
        (6, 7, [(4, 6), (0, 4)]),
    ],
)
def test_inclusion_proof_ranges(index: int, size: int, ranges: list[tuple[int, int]]) -> None:
    assert proof_ranges_inclusion(index, size) == ranges


@pytest.mark.parametrize(
    ("size1", "size2", "ranges"),
    [
        (3, 3, []),
        (4, 7, [(4, 7)]),
        (3, 7, [(2, 3), (3, 4), (0, 2), (4, 7)]),
        (6, 8, [(4, 6), (6, 8), (0, 4)]),
    ],
)
def test_consistency_proof_ranges(size1: int, size2: int, ranges: list[tuple[int, int]]) -> None:
    assert proof_ranges_consistency(size1, size2) == ranges


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (proof_ranges_inclusion, (1, 1)),
        (proof_ranges_inclusion, (-1, 3)),
        (proof_ranges_consistency, (0, 3)),
        (proof_ranges_consistency, (4, 3)),
        (perfect_subtrees, (5, 4)),
    ],
)
def test_impossible_ranges_are_refused(call: object, args: tuple[int, int]) -> None:
    with pytest.raises(ValueError):
        call(*args)  # type: ignore[operator]


def test_fold_of_nothing_is_the_empty_root() -> None:
    assert fold([]) == EMPTY_ROOT
    assert MerkleLevels([]).root(0) == EMPTY_ROOT


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 31, 32, 33, 40])
def test_levels_answer_the_reference_roots_and_proofs(size: int) -> None:
    levels = MerkleLevels(LEAVES[:size])
    for end in range(size + 1):
        assert levels.root(end) == root_hash(LEAVES[:end])
    for index in range(size):
        assert levels.inclusion_proof(index, size) == inclusion_proof(LEAVES, index, size)
    for first in range(1, size + 1):
        assert levels.consistency_proof(first, size) == consistency_proof(LEAVES, first, size)


def test_levels_refuse_sizes_beyond_their_leaves() -> None:
    levels = MerkleLevels(LEAVES[:5])
    with pytest.raises(ValueError):
        levels.inclusion_proof(0, 6)
    with pytest.raises(ValueError):
        levels.consistency_proof(1, 6)
    with pytest.raises(ValueError):
        levels.range_hash(4, 6)
