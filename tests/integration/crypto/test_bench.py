"""The crypto benchmarks run and report each figure beside its plaintext baseline."""

from __future__ import annotations

import json

from listwarden.bench.crypto import bench_crypto
from listwarden.crypto.bench_crypto import bench_bulk_decrypt


def test_bench_reports_both_figures() -> None:
    result = bench_bulk_decrypt(n_subjects=200, fields_per_subject=3, repeats=1)
    assert json.loads(json.dumps(result)) == result
    assert result["fields"] == 600
    assert result["encrypted"]["fields_per_s"] > 0
    assert result["plaintext_baseline"]["fields_per_s"] > 0
    assert isinstance(result["meets_target"], bool)


def test_the_crypto_suite_reports_each_figure_beside_its_plaintext_twin() -> None:
    result = bench_crypto(entries=600, consults=30, bulk_subjects=100, show_progress=False)
    assert json.loads(json.dumps(result)) == result
    assert result["consults_of_distinct_people"] == 30
    for figure in ("add_entries_per_s", "consult_p50_ms", "bulk_decrypt_fields_per_s"):
        assert result[figure] > 0
        assert result[f"{figure}_plaintext"] > 0
    assert isinstance(result["meets_overhead_target"], bool)
