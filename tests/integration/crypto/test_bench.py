"""The bulk-decryption benchmark runs and reports its figure beside the plaintext baseline."""

from __future__ import annotations

import json

from listwarden.crypto.bench_crypto import bench_bulk_decrypt


def test_bench_reports_both_figures() -> None:
    result = bench_bulk_decrypt(n_subjects=200, fields_per_subject=3, repeats=1)
    assert json.loads(json.dumps(result)) == result
    assert result["fields"] == 600
    assert result["encrypted"]["fields_per_s"] > 0
    assert result["plaintext_baseline"]["fields_per_s"] > 0
    assert isinstance(result["meets_target"], bool)
