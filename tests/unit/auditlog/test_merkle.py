"""Properties of the access log's Merkle tree: frontier, persisted nodes, proofs, refusals."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymerkle import InmemoryTree

from listwarden.auditlog.bench_tree import bench_tree
from listwarden.auditlog.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    subtree_hash,
    verify_consistency,
    verify_inclusion,
)
from listwarden.domain.errors import InvalidInput, ListwardenError, LogIntegrityError

NodeStore = dict[tuple[int, int], bytes]


@contextmanager
def refused(reason: str, error: type[ListwardenError] = LogIntegrityError) -> Iterator[None]:
    """Expect ``error`` with exactly ``reason`` as its detail."""
    with pytest.raises(error) as caught:
        yield
    assert caught.value.detail == reason


def _leaves(count: int, seed: int = 0) -> list[bytes]:
    return [leaf_hash(f"event {seed}/{i}".encode()) for i in range(count)]


def _grow(leaves: list[bytes]) -> tuple[CompactRange, NodeStore]:
    """Append ``leaves`` and keep every node the appends hand back, as a store would."""
    tree = CompactRange()
    store: NodeStore = {}
    for leaf in leaves:
        for level, index, value in tree.append(leaf):
            store[level, index] = value
    return tree, store


def _flip(value: bytes, bit: int = 0) -> bytes:
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


# A tree of 37 leaves, with every perfect node persisted, serves the exhaustive checks below.
LEAVES = _leaves(37)
TREE, STORE = _grow(LEAVES)
ROOTS = [root_from_leaf_hashes(LEAVES[:n]) for n in range(len(LEAVES) + 1)]


def test_hashes_follow_rfc_6962_prefixes() -> None:
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    left, right = b"L" * 32, b"R" * 32
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()


def test_the_empty_range_has_the_empty_root() -> None:
    assert CompactRange().root() == EMPTY_ROOT
    assert CompactRange().size == 0
    assert CompactRange().hashes == ()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=300))
def test_compact_range_root_matches_the_reference(entries: list[bytes]) -> None:
    leaves = [leaf_hash(e) for e in entries]
    tree, _ = _grow(leaves)
    assert tree.size == len(leaves)
    assert len(tree.hashes) == len(leaves).bit_count()
    assert tree.root() == root_from_leaf_hashes(leaves)


def test_every_prefix_root_matches_the_reference() -> None:
    tree = CompactRange()
    for size, leaf in enumerate(LEAVES, start=1):
        tree.append(leaf)
        assert tree.root() == ROOTS[size]


def test_appends_hand_back_every_perfect_subtree_exactly_once() -> None:
    size = len(LEAVES)
    assert len(STORE) == 2 * size - size.bit_count()
    for (level, index), value in STORE.items():
        start = index << level
        assert start + (1 << level) <= size
        assert value == root_from_leaf_hashes(LEAVES[start : start + (1 << level)])


def test_an_append_reports_the_leaf_then_the_nodes_it_completes() -> None:
    tree = CompactRange()
    for leaf in LEAVES[:7]:
        tree.append(leaf)
    completed = tree.append(LEAVES[7])
    assert [(level, index) for level, index, _ in completed] == [(0, 7), (1, 3), (2, 1), (3, 0)]
    assert completed[0][2] == LEAVES[7]
    assert completed[-1][2] == ROOTS[8]


def test_extend_is_append_in_a_loop() -> None:
    tree = CompactRange()
    nodes = tree.extend(LEAVES)
    assert tree.root() == TREE.root()
    assert {(level, index): value for level, index, value in nodes} == STORE


def test_a_leaf_hash_must_be_32_bytes() -> None:
    with refused("a leaf hash must be 32 bytes long", InvalidInput):
        CompactRange().append(b"short")


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 300), st.integers(0, 40))
def test_state_round_trips_and_appending_resumes(size: int, more: int) -> None:
    leaves = _leaves(size + more, seed=size)
    before, _ = _grow(leaves[:size])
    restored = CompactRange.from_state(before.to_state())
    assert restored.size == size
    assert restored.hashes == before.hashes
    restored.extend(leaves[size:])
    assert restored.root() == root_from_leaf_hashes(leaves)


BAD_STATE = "a stored frontier has a truncated or padded encoding"


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (b"\x00" * 7, BAD_STATE),
        ((3).to_bytes(8, "big") + b"x" * 33, BAD_STATE),
        ((3).to_bytes(8, "big") + b"x" * 32, "a tree of 3 leaves has 2 frontier hashes, not 1"),
        ((0).to_bytes(8, "big") + b"x" * 32, "a tree of 0 leaves has 0 frontier hashes, not 1"),
    ],
)
def test_a_state_that_does_not_add_up_is_refused(state: bytes, reason: str) -> None:
    with refused(reason):
        CompactRange.from_state(state)


def test_a_frontier_hash_must_be_32_bytes() -> None:
    with refused("a frontier hash is not 32 bytes long"):
        CompactRange(1, [b"short"])


def test_subtree_hash_composes_imperfect_ranges_from_persisted_nodes() -> None:
    for start, end in [(0, 37), (32, 37), (32, 36), (36, 37), (16, 37), (0, 5)]:
        assert subtree_hash(start, end, lambda lv, i: STORE[lv, i]) == root_from_leaf_hashes(
            LEAVES[start:end]
        )


def test_inclusion_proofs_verify_for_every_leaf_of_every_small_tree() -> None:
    for size in range(1, len(LEAVES) + 1):
        for index in range(size):
            proof = inclusion_proof(index, size, lambda lv, i: STORE[lv, i])
            verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size])
            assert root_from_inclusion_proof(LEAVES[index], index, size, proof) == ROOTS[size]


def test_consistency_proofs_verify_for_every_pair_of_small_trees() -> None:
    for size2 in range(1, len(LEAVES) + 1):
        for size1 in range(1, size2 + 1):
            proof = consistency_proof(size1, size2, lambda lv, i: STORE[lv, i])
            verify_consistency(size1, size2, ROOTS[size1], ROOTS[size2], proof)


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_proofs_verify_in_larger_trees(data: st.DataObject) -> None:
    size2 = data.draw(st.integers(1, 300), label="size2")
    size1 = data.draw(st.integers(1, size2), label="size1")
    index = data.draw(st.integers(0, size2 - 1), label="index")
    leaves = _leaves(size2, seed=size2)
    tree, store = _grow(leaves)
    root1 = root_from_leaf_hashes(leaves[:size1])
    path = inclusion_proof(index, size2, lambda lv, i: store[lv, i])
    verify_inclusion(leaves[index], index, size2, path, tree.root())
    proof = consistency_proof(size1, size2, lambda lv, i: store[lv, i])
    verify_consistency(size1, size2, root1, tree.root(), proof)


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_a_tampered_inclusion_proof_fails(data: st.DataObject) -> None:
    size = data.draw(st.integers(2, len(LEAVES)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = inclusion_proof(index, size, lambda lv, i: STORE[lv, i])
    target = data.draw(st.integers(0, len(proof) - 1), label="component")
    bit = data.draw(st.integers(0, 7), label="bit")
    tampered = [_flip(p, bit) if n == target else p for n, p in enumerate(proof)]
    with pytest.raises(LogIntegrityError) as caught:
        verify_inclusion(LEAVES[index], index, size, tampered, ROOTS[size])
    assert caught.value.index == index
    assert caught.value.detail == (
        f"the inclusion proof for leaf {index} does not lead to the root of a tree of {size} leaves"
    )


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_a_tampered_consistency_proof_fails(data: st.DataObject) -> None:
    size2 = data.draw(st.integers(2, len(LEAVES)), label="size2")
    size1 = data.draw(st.integers(1, size2 - 1), label="size1")
    proof = consistency_proof(size1, size2, lambda lv, i: STORE[lv, i])
    target = data.draw(st.integers(0, len(proof) - 1), label="component")
    tampered = [_flip(p) if n == target else p for n, p in enumerate(proof)]
    with pytest.raises(LogIntegrityError) as caught:
        verify_consistency(size1, size2, ROOTS[size1], ROOTS[size2], tampered)
    assert caught.value.detail in {
        f"the consistency proof does not lead to the root of a tree of {size1} leaves",
        f"the consistency proof does not lead to the root of a tree of {size2} leaves",
        "the consistency proof does not lead to the root of a tree of 1 leaf",
    }


def test_a_rewritten_history_fails_consistency() -> None:
    """A log that changes an old event cannot prove its new root extends the old one."""
    rewritten = list(LEAVES)
    rewritten[3] = leaf_hash(b"a quietly altered event")
    _, store = _grow(rewritten)
    proof = consistency_proof(10, 37, lambda lv, i: store[lv, i])
    with refused("the consistency proof does not lead to the root of a tree of 10 leaves"):
        verify_consistency(10, 37, ROOTS[10], root_from_leaf_hashes(rewritten), proof)


@pytest.mark.parametrize(
    ("index", "size", "proof_change", "reason"),
    [
        (5, 37, "append", "the inclusion proof is too long"),
        (5, 37, "drop", "the inclusion proof is too short"),
        (5, 37, "shorten", "inclusion proof component 0 is 31 bytes long, not 32"),
        (37, 37, None, "leaf 37 is not in a tree of 37 leaves"),
        (0, 0, None, "leaf 0 is not in a tree of 0 leaves"),
    ],
)
def test_malformed_inclusion_proofs_are_refused_with_a_reason(
    index: int, size: int, proof_change: str | None, reason: str
) -> None:
    proof = inclusion_proof(min(index, 36), 37, lambda lv, i: STORE[lv, i])
    if proof_change == "append":
        proof.append(proof[0])
    elif proof_change == "drop":
        proof.pop()
    elif proof_change == "shorten":
        proof[0] = proof[0][:31]
    with refused(reason):
        verify_inclusion(LEAVES[min(index, 36)], index, size, proof, ROOTS[37])


def test_an_empty_first_tree_is_refused_by_generation_and_verification() -> None:
    with refused("no consistency proof exists from size 0 to size 5", InvalidInput):
        consistency_proof(0, 5, lambda lv, i: STORE[lv, i])
    with refused("a consistency proof from an empty tree proves nothing"):
        verify_consistency(0, 5, EMPTY_ROOT, ROOTS[5], [])


def test_equal_sizes_need_equal_roots_and_no_proof() -> None:
    assert consistency_proof(9, 9, lambda lv, i: STORE[lv, i]) == []
    verify_consistency(9, 9, ROOTS[9], ROOTS[9], [])
    with refused("the two roots differ for the same size, 9"):
        verify_consistency(9, 9, ROOTS[9], ROOTS[8], [])
    with refused("trees of the same size need an empty consistency proof"):
        verify_consistency(9, 9, ROOTS[9], ROOTS[9], [ROOTS[9]])


def test_proof_requests_outside_the_tree_are_refused() -> None:
    with refused("leaf 37 is not in a tree of 37 leaves", InvalidInput):
        inclusion_proof(37, 37, lambda lv, i: STORE[lv, i])
    with refused("no consistency proof exists from size 8 to size 7", InvalidInput):
        consistency_proof(8, 7, lambda lv, i: STORE[lv, i])


@pytest.mark.parametrize("size", [1_000_000, 1_000_003, 2**40 + 12345])
def test_proofs_need_only_logarithmically_many_node_lookups(size: int) -> None:
    """Proofs read persisted nodes, never leaves, and only O(log n) of them."""
    lookups: list[tuple[int, int]] = []

    def node(level: int, index: int) -> bytes:
        assert (index + 1) << level <= size, "asked for a node beyond the tree"
        lookups.append((level, index))
        return b"\x00" * 32

    levels = size.bit_length()
    for index in (0, size // 2, size - 1):
        lookups.clear()
        inclusion_proof(index, size, node)
        assert len(lookups) <= 2 * levels
    lookups.clear()
    consistency_proof(size // 3, size, node)
    assert len(lookups) <= 2 * levels


def test_roots_agree_with_pymerkle() -> None:
    """An independent implementation of RFC 9162 hashing reaches the same roots."""
    entries = [f"entry {i}".encode() for i in range(100)]
    theirs = InmemoryTree(algorithm="sha256")
    ours = CompactRange()
    for size, entry in enumerate(entries, start=1):
        theirs.append_entry(entry)
        ours.append(leaf_hash(entry))
        assert ours.root() == theirs.get_root(size)


@pytest.mark.slow
def test_the_benchmark_reports_each_figure_beside_its_peer() -> None:
    """A smoke run: the benchmark's trees agree on their roots and the report is JSON."""
    report = bench_tree(2_000, proof_tree_size=5_000)
    assert json.loads(json.dumps(report)) == report
    assert report["appends"]["leaves"] == 2_000
    assert report["appends"]["pymerkle_appends_per_s"] > 0
    assert report["proofs"]["tree_size"] == 5_000
    assert report["proofs"]["stored_nodes"] == 2 * 5_000 - (5_000).bit_count()
    assert report["proofs_beside_pymerkle"]["pymerkle_inclusion_proof_us"] > 0
