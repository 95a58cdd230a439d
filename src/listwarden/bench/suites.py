"""The benchmark suites ``listwarden bench`` can run, each printing figures beside a baseline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

REUSES_DATASETS = ("retention",)
"""The suites that can keep what they load in ``bench --datasets DIR`` and reuse it next run."""


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


def _sharing(scale: float, show: bool) -> dict[str, Any]:
    # A disclosure through the services (checks, redaction, age, logging) beside plain CSV.
    from listwarden.bench.sharing import bench_sharing

    return bench_sharing(max(50, int(1_000 * scale)), show_progress=show)


def _reports(scale: float, show: bool) -> dict[str, Any]:
    # The compliance and equality reports over the entries table beside one SQL count of it;
    # then the equality aggregation of monitoring tuples beside a bare Counter over them.
    from listwarden.bench.reports import bench_reports_suite

    return bench_reports_suite(scale, show)


def _retention(scale: float, show: bool, datasets: Path | None = None) -> dict[str, Any]:
    from listwarden.bench.retention import bench_retention

    return bench_retention(
        entries=max(1_000, int(1_000_000 * scale)),
        assessments=max(1_000, int(100_000 * scale)),
        show_progress=show,
        datasets=datasets,
    )


def _access(scale: float, show: bool) -> dict[str, Any]:
    # Decision latency p50/p99 in-process beside authorisation off; then consultations per
    # second through the HTTPS server beside a bare endpoint and a bare read served alike.
    from listwarden.bench.access import bench_decisions
    from listwarden.bench.https import bench_https

    decisions = bench_decisions(max(2_000, int(20_000 * scale)))
    https = bench_https(
        seconds=max(1.0, 5.0 * scale),
        rounds=3 if scale >= 0.5 else 1,
        people=max(200, int(2_000 * scale)),
        show_progress=show,
    )
    return {**decisions, "https": https}


def _dlp(scale: float, show: bool) -> dict[str, Any]:
    # The scanner over a generated corpus (1 GB at full scale) beside one naive automaton.
    from listwarden.bench.dlp import bench_dlp

    return bench_dlp(scale=scale, show_progress=show)


def _import(scale: float, show: bool) -> dict[str, Any]:
    # Rows imported per second from CSV and xlsx beside reading the same file alone.
    from listwarden.bench.imports import bench_imports

    return bench_imports(rows=max(1_000, int(100_000 * scale)), show_progress=show)


def _sar(scale: float, show: bool) -> dict[str, Any]:
    # One person's subject access response at a tenth of the size and at the full size.
    from listwarden.bench.sar import bench_sar

    full = max(10_000, int(1_000_000 * scale))
    return bench_sar(sizes=[full // 10, full], show_progress=show)


SUITES: dict[str, Callable[..., dict[str, Any]]] = {
    "core": _core,
    "access": _access,
    "auditlog": _auditlog,
    "crypto": _crypto,
    "sharing": _sharing,
    "reports": _reports,
    "retention": _retention,
    "dlp": _dlp,
    "import": _import,
    "sar": _sar,
}
