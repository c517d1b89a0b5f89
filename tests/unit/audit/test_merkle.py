"""RFC 9162 tree hashing and proofs: reference roots, public vectors, exhaustive small trees, mutations."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notice_service.domain.audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    ProofError,
    consistency_proof,
    hash_leaf,
    inclusion_proof,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[3] / "audit" / "vectors" / "merkle"

# transparency-dev/merkle testonly/constants.go: LeafInputs() and RootHashes()
LEAF_INPUTS = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]
REFERENCE_ROOTS = {
    0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
LEAVES = [hash_leaf(bytes.fromhex(data)) for data in LEAF_INPUTS]
MAX_EXHAUSTIVE = 40
BIG_LEAVES = [hash_leaf(i.to_bytes(4, "big")) for i in range(MAX_EXHAUSTIVE)]


@pytest.mark.parametrize("size", sorted(REFERENCE_ROOTS))
def test_reference_roots(size: int) -> None:
    assert root_hash(LEAVES[:size]).hex() == REFERENCE_ROOTS[size]
    assert CompactRange.from_leaves(LEAVES[:size]).root().hex() == REFERENCE_ROOTS[size]


# transparency-dev/merkle testonly/constants.go: NodeHashes() as (level, index) -> hash
NODE = {
    (0, 4): "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    (1, 1): "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    (1, 2): "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    (1, 3): "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    (2, 0): "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
}


def test_reference_inclusion_and_consistency_proofs() -> None:
    # RFC 9162 PATH(5, D[8]), PROOF(6, D[8]) and PROOF(2, D[5]) written with the reference node hashes.
    def hashes(*nodes: tuple[int, int]) -> list[str]:
        return [NODE[n] for n in nodes]

    assert [h.hex() for h in inclusion_proof(LEAVES, 5, 8)] == hashes((0, 4), (1, 3), (2, 0))
    assert [h.hex() for h in consistency_proof(LEAVES, 6, 8)] == hashes((1, 2), (1, 3), (2, 0))
    assert [h.hex() for h in consistency_proof(LEAVES, 2, 5)] == [NODE[1, 1], LEAVES[4].hex()]


def _decode(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _vector_files(kind: str) -> list[Path]:
    return sorted((VECTORS / kind).rglob("*.json"))


@pytest.mark.parametrize("path", _vector_files("inclusion"), ids=lambda p: str(p.relative_to(VECTORS)))
def test_inclusion_vectors(path: Path) -> None:
    vector = json.loads(path.read_text())
    proof = [_decode(p) for p in vector["proof"] or []]
    args = (
        _decode(vector["leafHash"]),
        vector["leafIdx"],
        vector["treeSize"],
        proof,
        _decode(vector["root"]),
    )
    if vector["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", _vector_files("consistency"), ids=lambda p: str(p.relative_to(VECTORS)))
def test_consistency_vectors(path: Path) -> None:
    vector = json.loads(path.read_text())
    proof = [_decode(p) for p in vector["proof"] or []]
    args = (vector["size1"], vector["size2"], proof, _decode(vector["root1"]), _decode(vector["root2"]))
    if vector["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_vectors_are_present() -> None:
    assert len(_vector_files("inclusion")) > 50
    assert len(_vector_files("consistency")) > 50


def test_every_inclusion_proof_up_to_40_leaves_verifies() -> None:
    checked = 0
    for size in range(1, MAX_EXHAUSTIVE + 1):
        root = root_hash(BIG_LEAVES[:size])
        for index in range(size):
            verify_inclusion(BIG_LEAVES[index], index, size, inclusion_proof(BIG_LEAVES, index, size), root)
            checked += 1
    assert checked == 820


def test_every_consistency_proof_up_to_40_leaves_verifies() -> None:
    checked = 0
    for size2 in range(1, MAX_EXHAUSTIVE + 1):
        root2 = root_hash(BIG_LEAVES[:size2])
        for size1 in range(1, size2 + 1):
            proof = consistency_proof(BIG_LEAVES, size1, size2)
            verify_consistency(size1, size2, proof, root_hash(BIG_LEAVES[:size1]), root2)
            checked += 1
    assert checked == 820


def test_inclusion_proof_does_not_verify_for_another_size() -> None:
    proof = inclusion_proof(BIG_LEAVES, 4, 5)
    with pytest.raises(ProofError):
        verify_inclusion(BIG_LEAVES[4], 4, 6, proof, root_hash(BIG_LEAVES[:6]))


@pytest.mark.parametrize(
    ("size1", "size2", "proof", "root1", "root2", "reason"),
    [
        (0, 0, [], EMPTY_ROOT, EMPTY_ROOT, "from-empty-tree"),
        (0, 3, [], EMPTY_ROOT, EMPTY_ROOT, "from-empty-tree"),
        (3, 2, [], EMPTY_ROOT, EMPTY_ROOT, "size-decreased"),
        (3, 3, [EMPTY_ROOT], EMPTY_ROOT, EMPTY_ROOT, "proof-not-empty"),
        (3, 3, [], EMPTY_ROOT, LEAVES[0], "root-mismatch"),
        (2, 3, [], EMPTY_ROOT, EMPTY_ROOT, "empty-proof"),
    ],
)
def test_consistency_edge_cases_have_named_reasons(
    size1: int, size2: int, proof: list[bytes], root1: bytes, root2: bytes, reason: str
) -> None:
    with pytest.raises(ProofError) as caught:
        verify_consistency(size1, size2, proof, root1, root2)
    assert caught.value.reason == reason


@given(st.data())
def test_any_bit_flip_in_an_inclusion_proof_is_rejected(data: st.DataObject) -> None:
    size = data.draw(st.integers(2, MAX_EXHAUSTIVE))
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(BIG_LEAVES, index, size)
    element = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    proof[element] = _flip(proof[element], bit)
    with pytest.raises(ProofError):
        verify_inclusion(BIG_LEAVES[index], index, size, proof, root_hash(BIG_LEAVES[:size]))


@given(st.data())
def test_any_bit_flip_in_a_consistency_proof_is_rejected(data: st.DataObject) -> None:
    size2 = data.draw(st.integers(2, MAX_EXHAUSTIVE))
    size1 = data.draw(st.integers(1, size2 - 1))
    proof = consistency_proof(BIG_LEAVES, size1, size2)
    element = data.draw(st.integers(0, len(proof) - 1))
    proof[element] = _flip(proof[element], data.draw(st.integers(0, 255)))
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, proof, root_hash(BIG_LEAVES[:size1]), root_hash(BIG_LEAVES[:size2]))


def _flip(value: bytes, bit: int) -> bytes:
    flipped = bytearray(value)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


@given(st.integers(0, 300), st.integers(0, 40))
def test_incremental_root_equals_root_hash(size: int, more: int) -> None:
    leaves = [hash_leaf(i.to_bytes(2, "big")) for i in range(size + more)]
    stored = CompactRange.from_leaves(leaves[:size])
    resumed = CompactRange(stored.size, stored.border)  # as reloaded from the log head
    for leaf in leaves[size:]:
        resumed = resumed.append(leaf)
    assert stored.root() == root_hash(leaves[:size])
    assert resumed.root() == root_hash(leaves)
    assert len(resumed.border) == len(leaves).bit_count()


def test_compact_range_refuses_an_inconsistent_state() -> None:
    with pytest.raises(ValueError, match="holds"):
        CompactRange(3, (LEAVES[0],))
