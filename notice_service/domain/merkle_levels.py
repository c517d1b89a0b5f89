"""Every perfect subtree hash of a list of leaves, kept level by level, for proofs over large logs.

``merkle.inclusion_proof``/``consistency_proof`` re-hash sub-ranges on every call; a verifier or an API that
answers many proofs over one log builds ``MerkleLevels`` once (O(n) hashes, O(n) memory) and then reads any
prefix root or RFC 9162 proof in O(log n) hashes. The proofs are the same ``PATH``/``PROOF`` lists as
RFC 9162 §2.1.3.1 and §2.1.4.1 define, ordered from the leaf upwards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from notice_service.domain.merkle import EMPTY_ROOT


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


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

    def range_hash(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for the ranges RFC 9162 proofs use (``start`` aligned on the range's split)."""
        if not 0 <= start <= end <= self.size:
            raise ValueError(f"range {start}..{end} is outside a tree of {self.size} leaves")
        parts: list[bytes] = []
        while start < end:
            level = (end - start).bit_length() - 1
            while start & ((1 << level) - 1):
                level -= 1
            parts.append(self.levels[level][start >> level])
            start += 1 << level
        if not parts:
            return EMPTY_ROOT
        result = parts.pop()
        while parts:
            result = hashlib.sha256(b"\x01" + parts.pop() + result).digest()
        return result

    def root(self, size: int) -> bytes:
        return self.range_hash(0, size)

    def inclusion_proof(self, index: int, tree_size: int) -> list[bytes]:
        """RFC 9162 ``PATH(index, D[0:tree_size])``."""
        if not 0 <= index < tree_size <= self.size:
            raise ValueError(f"no inclusion proof for index {index} in a tree of size {tree_size}")
        upward: list[bytes] = []
        start, end = 0, tree_size
        while end - start > 1:
            k = _split(end - start)
            if index - start < k:
                upward.append(self.range_hash(start + k, end))
                end = start + k
            else:
                upward.append(self.range_hash(start, start + k))
                start += k
        upward.reverse()
        return upward

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """RFC 9162 ``PROOF(size1, D[0:size2])``; empty when the sizes are equal."""
        if not 0 < size1 <= size2 <= self.size:
            raise ValueError(f"no consistency proof from size {size1} to size {size2}")
        upward: list[bytes] = []
        start, end, m, whole_old_tree = 0, size2, size1, True
        while m != end - start:
            k = _split(end - start)
            if m <= k:
                upward.append(self.range_hash(start + k, end))
                end = start + k
            else:
                upward.append(self.range_hash(start, start + k))
                start, m, whole_old_tree = start + k, m - k, False
        if not whole_old_tree:
            upward.append(self.range_hash(start, end))
        upward.reverse()
        return upward
