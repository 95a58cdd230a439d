"""The access log's Merkle tree against the RFC 6962 vectors of transparency-dev/merkle."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from listwarden.auditlog.merkle import (
    CompactRange,
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from listwarden.domain.errors import LogIntegrityError

REPO_ROOT = Path(__file__).resolve().parents[3]
VECTORS = REPO_ROOT.parent / "shared" / "data" / "rfc6962"
CASES_PER_KIND = 98  # as published: 5 mutated sets plus the edge cases of each kind


def _cases(kind: str) -> list[Any]:
    """Every JSON case under ``kind``/, including the additional and single-entry folders."""
    files = sorted((VECTORS / kind).rglob("*.json"))
    assert files, f"no {kind} vectors found under {VECTORS}"
    return [
        pytest.param(json.loads(path.read_text()), id=str(path.relative_to(VECTORS / kind)))
        for path in files
    ]


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _proof(case: dict[str, Any]) -> list[bytes]:
    return [_b64(p) for p in case["proof"] or []]


def test_the_vector_set_is_complete() -> None:
    """Guard against a silently emptied data directory passing every parametrised test."""
    assert len(_cases("inclusion")) == CASES_PER_KIND
    assert len(_cases("consistency")) == CASES_PER_KIND


def test_every_tree_root_is_reproduced() -> None:
    data = json.loads((VECTORS / "tree-roots.json").read_text())
    leaves = [leaf_hash(bytes.fromhex(x)) for x in data["leaf_inputs_hex"]]
    expected = data["root_hashes_hex_by_tree_size"]
    tree = CompactRange()
    assert tree.root().hex() == expected[0]
    for size, leaf in enumerate(leaves, start=1):
        tree.append(leaf)
        assert tree.root().hex() == expected[size]
        assert root_from_leaf_hashes(leaves[:size]).hex() == expected[size]


@pytest.mark.parametrize("case", _cases("inclusion"))
def test_inclusion_vector(case: dict[str, Any]) -> None:
    def verify() -> None:
        verify_inclusion(
            _b64(case["leafHash"]),
            case["leafIdx"],
            case["treeSize"],
            _proof(case),
            _b64(case["root"]),
        )

    if case["wantErr"]:
        with pytest.raises(LogIntegrityError):
            verify()
    else:
        verify()


@pytest.mark.parametrize("case", _cases("consistency"))
def test_consistency_vector(case: dict[str, Any]) -> None:
    def verify() -> None:
        verify_consistency(
            case["size1"], case["size2"], _b64(case["root1"]), _b64(case["root2"]), _proof(case)
        )

    if case["wantErr"]:
        with pytest.raises(LogIntegrityError):
            verify()
    else:
        verify()
