"""The HTTPS benchmark serves real consultations over TLS with two workers, beside its baselines."""

from __future__ import annotations

import json

from listwarden.bench.https import bench_https


def test_the_https_bench_reports_consults_beside_a_bare_endpoint_and_read() -> None:
    result = bench_https(seconds=1.0, rounds=1, people=50, connections=4, show_progress=False)
    assert json.loads(json.dumps(result)) == result
    # Every request answered 200: the consultations were authenticated, allowed and logged.
    assert result["failed_requests"] == {"bare": 0, "row": 0, "consult": 0}
    for figure in ("consult_per_s", "baseline_bare_endpoint_per_s", "baseline_pk_read_per_s"):
        assert result[figure] > 0
    assert result["consult_vs_bare_endpoint"] > 0
    assert result["consult_vs_pk_read"] > 0
    assert result["server"].startswith("uvicorn, 2 workers, TLS")
    assert isinstance(result["meets_target"], bool)
