"""Merkle proofs and roots read from perfect subtree hashes instead of re-hashing every leaf.

Every node of an RFC 9162 proof is ``MTH(D[start:end])`` of a range whose start is aligned on a power of two at
least as large as the range, so it is the fold (right to left) of the aligned *perfect* subtrees that tile it,
at most one per level. ``proof_ranges_inclusion`` / ``proof_ranges_consistency`` give those ranges (RFC 9162
§2.1.3.1 ``PATH`` and §2.1.4.1 ``PROOF``, from the leaf upwards); ``perfect_subtrees`` tiles a range;
``fold`` combines the tiles. Any source of perfect subtree hashes (``NodeSource``) then answers proofs and
roots in O(log n) node reads:

- ``MerkleLevels`` keeps every level in memory (a verifier over a whole log: O(n) hashes once);
- the service reads them from the database with a cache of large subtrees (``db.audit_subtrees``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

from notice_service.domain.audit.merkle import EMPTY_ROOT


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """The aligned perfect subtrees ``(level, index)`` that tile ``D[start:end]``, left to right.

    Subtree ``(level, index)`` covers leaves ``index·2^level`` to ``(index+1)·2^level − 1``.
    """
    if not 0 <= start <= end:
        raise ValueError(f"no range {start}..{end}")
    tiles: list[tuple[int, int]] = []
    while start < end:
        level = (end - start).bit_length() - 1
        while start & ((1 << level) - 1):
            level -= 1
        tiles.append((level, start >> level))
        start += 1 << level
    return tiles


def fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of consecutive tiles of decreasing size (``perfect_subtrees`` order): fold from the right."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = hashlib.sha256(b"\x01" + left + result).digest()
    return result


def proof_ranges_inclusion(index: int, tree_size: int) -> list[tuple[int, int]]:
    """The ranges whose MTH are the nodes of RFC 9162 ``PATH(index, D[0:tree_size])``, leaf upwards."""
    if not 0 <= index < tree_size:
        raise ValueError(f"no inclusion proof for index {index} in a tree of size {tree_size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, tree_size
    while end - start > 1:
        k = _split(end - start)
        if index - start < k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def proof_ranges_consistency(size1: int, size2: int) -> list[tuple[int, int]]:
    """The ranges whose MTH are the nodes of RFC 9162 ``PROOF(size1, D[0:size2])``, leaf upwards."""
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    ranges: list[tuple[int, int]] = []
    start, end, m, whole_old_tree = 0, size2, size1, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, whole_old_tree = start + k, m - k, False
    if not whole_old_tree:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


class NodeSource(Protocol):
    def nodes(self, wanted: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The hashes of the perfect subtrees ``(level, index)`` asked for."""
        ...


def range_hashes(source: NodeSource, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """MTH of each range, with one ``nodes`` call for all the tiles they need."""
    tiles = [perfect_subtrees(start, end) for start, end in ranges]
    known = source.nodes(sorted({tile for row in tiles for tile in row}))
    return [fold([known[tile] for tile in row]) for row in tiles]


class MerkleLevels:
    """Level 0 holds the leaf hashes; level k holds the hashes of aligned perfect subtrees of 2^k leaves."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        sha256 = hashlib.sha256
        self.levels: list[Sequence[bytes]] = [leaf_hashes]
        below = leaf_hashes
        while len(below) > 1:
            below = [sha256(b"\x01" + below[i] + below[i + 1]).digest() for i in range(0, len(below) - 1, 2)]
            self.levels.append(below)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def nodes(self, wanted: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        return {(level, index): self.levels[level][index] for level, index in wanted}

    def range_hash(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for the ranges RFC 9162 proofs use (``start`` aligned on the range's split)."""
        if not 0 <= start <= end <= self.size:
            raise ValueError(f"range {start}..{end} is outside a tree of {self.size} leaves")
        return range_hashes(self, [(start, end)])[0]

    def root(self, size: int) -> bytes:
        return self.range_hash(0, size)

    def inclusion_proof(self, index: int, tree_size: int) -> list[bytes]:
        """RFC 9162 ``PATH(index, D[0:tree_size])``."""
        if tree_size > self.size:
            raise ValueError(f"no inclusion proof in a tree of size {tree_size} > {self.size}")
        return range_hashes(self, proof_ranges_inclusion(index, tree_size))

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """RFC 9162 ``PROOF(size1, D[0:size2])``; empty when the sizes are equal."""
        if size2 > self.size:
            raise ValueError(f"no consistency proof to size {size2} > {self.size}")
        return range_hashes(self, proof_ranges_consistency(size1, size2))
