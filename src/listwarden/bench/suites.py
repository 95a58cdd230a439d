"""The benchmark suites ``listwarden bench`` can run, each printing figures beside a baseline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _core(scale: float, show: bool) -> dict[str, Any]:
    from listwarden.bench.core import bench_core

    return bench_core(entries=int(100_000 * scale), consults=2_000, show_progress=show)


def _auditlog(scale: float, show: bool) -> dict[str, Any]:
    from listwarden.auditlog.bench_tree import bench_tree

    return bench_tree(max(1000, int(200_000 * scale)))


def _crypto(scale: float, show: bool) -> dict[str, Any]:
    from listwarden.crypto.bench_crypto import bench_bulk_decrypt

    return bench_bulk_decrypt(n_subjects=max(100, int(20_000 * scale)))


SUITES: dict[str, Callable[[float, bool], dict[str, Any]]] = {
    "core": _core,
    "auditlog": _auditlog,
    "crypto": _crypto,
}
