"""The access-log benchmark runs at a small scale and reports each figure beside its baseline."""

from __future__ import annotations

import json

from listwarden.bench.auditlog import bench_auditlog


def test_the_benchmark_reports_every_figure_beside_its_baseline() -> None:
    result = bench_auditlog(scale=0.0001, show_progress=False)
    assert json.loads(json.dumps(result)) == result
    batched = result["batched"]
    assert batched["with_tree_events_per_s"] > 0
    assert batched["baseline_without_tree_events_per_s"] > 0
    assert result["one_per_transaction"]["with_tree_events_per_s"] > 0
    verification = result["verification"]
    assert verification["verified"] is True
    assert verification["events"] == 10_000
    assert verification["baseline_read_only_events_per_s"] > 0
    proofs = result["proofs"]
    assert 10_000 < proofs["tree_size"] <= 10_005  # the events, and what setting up logged
    assert proofs["from_database_inclusion_us"] > 0
    assert result["tree_vs_pymerkle"]["appends"]["pymerkle_appends_per_s"] > 0
