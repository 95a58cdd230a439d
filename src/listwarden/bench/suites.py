"""The benchmark suites ``listwarden bench`` can run, each printing figures beside a baseline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _core(scale: float, show: bool) -> dict[str, Any]:
    from listwarden.bench.core import bench_core

    return bench_core(entries=int(100_000 * scale), consults=2_000, show_progress=show)


def _auditlog(scale: float, show: bool) -> dict[str, Any]:
    from listwarden.bench.auditlog import bench_auditlog

    return bench_auditlog(scale=scale, show_progress=show)


def _crypto(scale: float, show: bool) -> dict[str, Any]:
    from listwarden.bench.crypto import bench_crypto

    return bench_crypto(
        entries=max(1_000, int(20_000 * scale)),
        consults=max(200, int(2_000 * scale)),
        bulk_subjects=max(100, int(20_000 * scale)),
        show_progress=show,
    )


SUITES: dict[str, Callable[[float, bool], dict[str, Any]]] = {
    "core": _core,
    "auditlog": _auditlog,
    "crypto": _crypto,
}
