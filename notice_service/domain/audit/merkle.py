"""RFC 9162 §2.1 Merkle tree hashing, inclusion and consistency proofs, and the compact range used by appends.

Leaves are given as their RFC 9162 leaf hashes (``SHA-256(0x00 || data)``, see ``audit_log.leaf_hash``);
interior nodes are ``SHA-256(0x01 || left || right)`` and the empty tree hashes to ``SHA-256("")``.

Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 step by step, including the inner right-shift after a
left sibling and the ``sn`` checks that stop one proof from verifying for several tree sizes. Consistency
proofs *from* size 0 are always rejected, including 0 → 0, as transparency-dev/merkle does since PR #236
(PR #140 had already rejected 0 → n for n > 0): RFC 9162 defines them only for ``0 < size1``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof does not verify; ``reason`` is a stable name (``root-mismatch``, ``proof-too-long`` …)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def hash_leaf(data: bytes) -> bytes:
    """RFC 9162 leaf hash of raw leaf data."""
    return hashlib.sha256(b"\x00" + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """Merkle tree hash of the leaves, level by level in O(n).

    Pairing neighbours and carrying an unpaired last node up unchanged builds exactly the left-filled
    RFC 9162 tree (split at the largest power of two below n).
    """
    if not leaf_hashes:
        return EMPTY_ROOT
    sha256 = hashlib.sha256
    level = list(leaf_hashes)
    while len(level) > 1:
        paired = [sha256(b"\x01" + a + b).digest() for a, b in zip(level[0::2], level[1::2], strict=False)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, tree_size: int) -> list[bytes]:
    """RFC 9162 §2.1.3.1 ``PATH(index, D[0:tree_size])``, ordered from the leaf upwards."""
    if not 0 <= index < tree_size <= len(leaf_hashes):
        raise ValueError(f"no inclusion proof for index {index} in a tree of size {tree_size}")
    upward: list[bytes] = []
    start, end = 0, tree_size
    while end - start > 1:
        k = _split(end - start)
        if index - start < k:
            upward.append(root_hash(leaf_hashes[start + k : end]))
            end = start + k
        else:
            upward.append(root_hash(leaf_hashes[start : start + k]))
            start += k
    upward.reverse()
    return upward


def consistency_proof(leaf_hashes: Sequence[bytes], size1: int, size2: int) -> list[bytes]:
    """RFC 9162 §2.1.4.1 ``PROOF(size1, D[0:size2])``; empty when the sizes are equal."""
    if not 0 < size1 <= size2 <= len(leaf_hashes):
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    upward: list[bytes] = []
    start, end, m, whole_old_tree = 0, size2, size1, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            upward.append(root_hash(leaf_hashes[start + k : end]))
            end = start + k
        else:
            upward.append(root_hash(leaf_hashes[start : start + k]))
            start, m, whole_old_tree = start + k, m - k, False
    if not whole_old_tree:
        upward.append(root_hash(leaf_hashes[start:end]))
    upward.reverse()
    return upward


def _check_hash_sizes(proof: Sequence[bytes]) -> None:
    for position, node in enumerate(proof):
        if len(node) != HASH_SIZE:
            raise ProofError("bad-hash-size", f"proof element {position} has {len(node)} bytes")


def _shift_until_odd(fn: int, sn: int) -> tuple[int, int]:
    """The inner shift of RFC 9162 step 3/4: after a left sibling, climb while ``fn`` is a right child."""
    while fn % 2 == 0 and fn != 0:
        fn >>= 1
        sn >>= 1
    return fn, sn


def verify_inclusion(leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2; raises ``ProofError`` unless ``proof`` puts the leaf at ``index`` under ``root``."""
    if not 0 <= index < tree_size:
        raise ProofError("index-out-of-range", f"index {index}, tree size {tree_size}")
    if len(leaf_hash) != HASH_SIZE:
        raise ProofError("bad-hash-size", f"leaf hash has {len(leaf_hash)} bytes")
    _check_hash_sizes(proof)
    fn, sn, r = index, tree_size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError("proof-too-long")
        if fn % 2 == 1 or fn == sn:
            r = hash_children(p, r)
            fn, sn = _shift_until_odd(fn, sn)
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof-too-short")
    if r != root:
        raise ProofError("root-mismatch")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """RFC 9162 §2.1.4.2; raises ``ProofError`` unless the tree of ``size2`` extends the one of ``size1``."""
    if size1 < 0 or size1 > size2:
        raise ProofError("size-decreased", f"{size1} → {size2}")
    if size1 == 0:
        raise ProofError("from-empty-tree", "consistency from size 0 is meaningless")
    if size1 == size2:
        if proof:
            raise ProofError("proof-not-empty", "equal sizes need an empty proof")
        if root1 != root2:
            raise ProofError("root-mismatch", "equal sizes with different roots")
        return
    if not proof:
        raise ProofError("empty-proof")
    _check_hash_sizes(proof)
    path = [root1, *proof] if size1 & (size1 - 1) == 0 else list(proof)
    fr, sr = _chain_consistency(size1, size2, path)
    if fr != root1:
        raise ProofError("root1-mismatch")
    if sr != root2:
        raise ProofError("root2-mismatch")


def _chain_consistency(size1: int, size2: int, path: Sequence[bytes]) -> tuple[bytes, bytes]:
    """Steps 3–5 of RFC 9162 §2.1.4.2: the recomputed (first, second) roots, after the ``sn`` checks."""
    fn, sn = size1 - 1, size2 - 1
    while fn % 2 == 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("proof-too-long")
        if fn % 2 == 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            fn, sn = _shift_until_odd(fn, sn)
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof-too-short")
    return fr, sr


@dataclass(frozen=True)
class CompactRange:
    """The right border of a tree: one hash per set bit of ``size``, largest (leftmost) subtree first.

    It is all an append needs: store it with the log head, then ``append`` the new leaf hash and read
    ``root()`` without re-reading any earlier leaf (O(log n) time and space).
    """

    size: int = 0
    border: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        if self.size < 0 or len(self.border) != self.size.bit_count():
            raise ValueError(f"a compact range of size {self.size} holds {self.size.bit_count()} hashes")
        if any(len(node) != HASH_SIZE for node in self.border):
            raise ValueError("compact range hashes must be 32 bytes")

    @classmethod
    def from_leaves(cls, leaf_hashes: Sequence[bytes]) -> CompactRange:
        compact = cls()
        for leaf in leaf_hashes:
            compact = compact.append(leaf)
        return compact

    def append(self, leaf_hash: bytes) -> CompactRange:
        """The range one leaf larger: merge equal-sized subtrees like a binary carry."""
        border = list(self.border)
        node, carry = leaf_hash, self.size
        while carry & 1:
            node = hash_children(border.pop(), node)
            carry >>= 1
        border.append(node)
        return CompactRange(self.size + 1, tuple(border))

    def root(self) -> bytes:
        """Tree hash of the whole range: fold the border from the right."""
        if not self.border:
            return EMPTY_ROOT
        node = self.border[-1]
        for left in reversed(self.border[:-1]):
            node = hash_children(left, node)
        return node
