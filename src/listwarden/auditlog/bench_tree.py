"""Benchmark of the access log's Merkle tree, measured beside pymerkle in the same run.

Appends are timed on the same leaves for both (median of five runs each, interleaved so that
neither benefits from a warmer machine). Proofs are timed at a million leaves, reading nodes from
an in-memory dict of what the appends handed back, as the store would from its node table; the
same proofs are then timed beside pymerkle's on the smaller tree both sides have built.
"""

from __future__ import annotations

import gc
import hashlib
import platform
import statistics
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from listwarden.auditlog.merkle import (
    CompactRange,
    NodeLookup,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    subtree_hash,
    verify_consistency,
    verify_inclusion,
)
from listwarden.domain.errors import LogIntegrityError

RUNS = 5
PROOF_TREE_SIZE = 1_000_000
PROOF_SAMPLES = 1_000
_STRIDE = 7919  # a prime stride spreads sampled positions over the whole tree, reproducibly


def _entries(n: int) -> list[bytes]:
    """Event-sized stand-ins for log entries: 64 bytes each, distinct."""
    return [hashlib.sha512(i.to_bytes(8, "big")).digest() for i in range(n)]


def _timed(action: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _median_us(samples: list[int]) -> float:
    return round(statistics.median(samples) / 1000, 2)


def _per_call_ns(action: Callable[[int], object], arguments: list[int]) -> list[int]:
    """Time one call per argument, in nanoseconds."""
    clock = time.perf_counter_ns
    samples = []
    for argument in arguments:
        start = clock()
        action(argument)
        samples.append(clock() - start)
    return samples


def _build(leaves: list[bytes]) -> tuple[CompactRange, dict[tuple[int, int], bytes]]:
    tree = CompactRange()
    store = {(level, index): value for level, index, value in tree.extend(leaves)}
    return tree, store


def _append_all(tree: CompactRange, leaves: Iterable[bytes]) -> bytes:
    tree.extend(leaves)
    return tree.root()


def _peer_append_all(peer: Any, entries: list[bytes]) -> bytes:
    peer.append_entries(entries)
    root: bytes = peer.get_root()
    return root


def _bench_appends(entries: list[bytes]) -> dict[str, Any]:
    """Appends per second: ours with and without leaf hashing, and pymerkle's InmemoryTree."""
    from pymerkle import InmemoryTree  # a development dependency: the peer, not the product

    leaves = [leaf_hash(e) for e in entries]
    ours: list[float] = []
    ours_hashing: list[float] = []
    theirs: list[float] = []
    for _ in range(RUNS):
        # Each tree is dropped before the next is timed: pymerkle's millions of node objects
        # would otherwise slow every garbage collection during our runs.
        tree, hashing = CompactRange(), CompactRange()
        ours.append(_timed(partial(_append_all, tree, leaves)))
        ours_hashing.append(_timed(partial(_append_all, hashing, map(leaf_hash, entries))))
        peer = InmemoryTree(algorithm="sha256")
        theirs.append(_timed(partial(_peer_append_all, peer, entries)))
        if peer.get_root() != tree.root() or hashing.root() != tree.root():
            raise LogIntegrityError("the benchmark trees disagree on the root")
        del peer
    n = len(entries)
    ours_rate = n / statistics.median(ours)
    hashing_rate = n / statistics.median(ours_hashing)
    peer_rate = n / statistics.median(theirs)
    return {
        "leaves": n,
        "runs": RUNS,
        "listwarden_appends_per_s": round(ours_rate),
        "listwarden_hash_and_append_per_s": round(hashing_rate),
        "pymerkle_appends_per_s": round(peer_rate),
        "ratio_append_vs_pymerkle": round(ours_rate / peer_rate, 2),
        "ratio_hash_and_append_vs_pymerkle": round(hashing_rate / peer_rate, 2),
    }


def _proof_figures(
    size: int,
    store: dict[tuple[int, int], bytes],
    root: bytes,
    roots: dict[int, bytes],
    leaves: Callable[[int], bytes],
) -> dict[str, Any]:
    """Median microseconds to make and to verify inclusion and consistency proofs."""
    lookups = 0

    def node(level: int, index: int) -> bytes:
        nonlocal lookups
        lookups += 1
        return store[level, index]

    indices = [(i * _STRIDE) % size for i in range(PROOF_SAMPLES)]
    prior = sorted(roots)
    paths = {i: inclusion_proof(i, size, node) for i in indices}
    proofs = {s: consistency_proof(s, size, node) for s in prior}
    lookups = 0
    inclusion = _per_call_ns(lambda i: inclusion_proof(i, size, node), indices)
    inclusion_lookups = lookups / len(indices)
    lookups = 0
    consistency = _per_call_ns(lambda s: consistency_proof(s, size, node), prior)
    consistency_lookups = lookups / len(prior)
    check_inclusion = _per_call_ns(
        lambda i: verify_inclusion(leaves(i), i, size, paths[i], root), indices
    )
    check_consistency = _per_call_ns(
        lambda s: verify_consistency(s, size, roots[s], root, proofs[s]), prior
    )
    return {
        "tree_size": size,
        "samples": len(indices),
        "inclusion_proof_us": _median_us(inclusion),
        "consistency_proof_us": _median_us(consistency),
        "verify_inclusion_us": _median_us(check_inclusion),
        "verify_consistency_us": _median_us(check_consistency),
        "inclusion_node_lookups_mean": round(inclusion_lookups, 1),
        "consistency_node_lookups_mean": round(consistency_lookups, 1),
    }


def _prior_roots(size: int, node: NodeLookup) -> dict[int, bytes]:
    """Roots of earlier tree sizes spread over the log, as its past checkpoints would hold them.

    A prefix of the tree is a run of perfect subtrees, so its root comes from stored nodes alone.
    """
    sizes = {1 + (i * _STRIDE * 131) % (size - 1) for i in range(PROOF_SAMPLES)}
    return {s: subtree_hash(0, s, node) for s in sizes}


def _bench_proofs(size: int) -> dict[str, Any]:
    leaves = [leaf_hash(e) for e in _entries(size)]
    tree, store = _build(leaves)
    roots = _prior_roots(size, lambda level, index: store[level, index])
    figures = _proof_figures(size, store, tree.root(), roots, leaves.__getitem__)
    figures["stored_nodes"] = len(store)
    return figures


def _bench_proofs_beside_pymerkle(entries: list[bytes]) -> dict[str, Any]:
    """The same proofs on the same tree for ours and pymerkle's (whose proofs read its leaves)."""
    from pymerkle import InmemoryTree

    size = len(entries)
    leaves = [leaf_hash(e) for e in entries]
    _, store = _build(leaves)

    def node(level: int, index: int) -> bytes:
        return store[level, index]

    peer = InmemoryTree.init_from_entries(entries, algorithm="sha256")
    indices = [(i * _STRIDE) % size for i in range(PROOF_SAMPLES)]
    priors = [1 + (i * _STRIDE) % (size - 1) for i in range(PROOF_SAMPLES)]
    return {
        "tree_size": size,
        "listwarden_inclusion_proof_us": _median_us(
            _per_call_ns(lambda i: inclusion_proof(i, size, node), indices)
        ),
        "pymerkle_inclusion_proof_us": _median_us(
            _per_call_ns(lambda i: peer.prove_inclusion(i + 1, size), indices)
        ),
        "listwarden_consistency_proof_us": _median_us(
            _per_call_ns(lambda s: consistency_proof(s, size, node), priors)
        ),
        "pymerkle_consistency_proof_us": _median_us(
            _per_call_ns(lambda s: peer.prove_consistency(s, size), priors)
        ),
    }


def bench_tree(n: int = 200_000, *, proof_tree_size: int = PROOF_TREE_SIZE) -> dict[str, Any]:
    """Append, proof and verification figures for our tree, each beside its peer where one exists.

    Returns a JSON-able dict; ratios above 1 mean listwarden is faster.
    """
    entries = _entries(n)
    appends = _bench_appends(entries)
    peer_proofs = _bench_proofs_beside_pymerkle(entries)
    for kind in ("inclusion", "consistency"):
        peer_proofs[f"ratio_{kind}_vs_pymerkle"] = round(
            peer_proofs[f"pymerkle_{kind}_proof_us"] / peer_proofs[f"listwarden_{kind}_proof_us"], 2
        )
    return {
        "python": platform.python_version(),
        "appends": appends,
        "proofs": _bench_proofs(proof_tree_size),
        "proofs_beside_pymerkle": peer_proofs,
    }
