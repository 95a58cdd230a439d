"""The sharing benchmark runs end to end and reports its figure beside the plain-CSV baseline."""

from __future__ import annotations

import json

from listwarden.bench.sharing import bench_sharing


def test_the_sharing_suite_reports_a_disclosure_beside_plain_csv() -> None:
    result = bench_sharing(25, repeats=1, show_progress=False)
    assert json.loads(json.dumps(result)) == result
    assert result["entries"] == 25
    assert result["disclosure_end_to_end_s"] > 0
    assert result["baseline_plain_csv_s"] > 0
    assert result["cost_ratio"] > 0
    assert isinstance(result["within_target"], bool)
    assert result["pure_path"]["entries"] == 25
