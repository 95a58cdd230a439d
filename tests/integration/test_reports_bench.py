"""The reports benchmark runs end to end at a small size and reports each figure with its peer."""

from __future__ import annotations

from listwarden.bench.reports import bench_reports


def test_the_reports_benchmark_reports_its_figures_beside_a_count() -> None:
    figures = bench_reports(entries=300, show_progress=False)
    assert figures["entries"] == 300
    assert figures["sql_count_seconds"] > 0
    assert figures["compliance_report_seconds"] > 0
    assert figures["equality_report_seconds"] > 0
    assert figures["compliance_over_sql_count"] > 1
