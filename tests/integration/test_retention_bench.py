"""The retention benchmark at a small size: its figures, and a kept dataset reused untouched."""

from __future__ import annotations

from pathlib import Path

from listwarden.bench.retention import bench_retention


def test_a_kept_dataset_is_loaded_once_and_swept_afresh_on_every_run(tmp_path: Path) -> None:
    first = bench_retention(
        entries=1_000, assessments=1_000, show_progress=False, datasets=tmp_path
    )
    second = bench_retention(
        entries=1_000, assessments=1_000, show_progress=False, datasets=tmp_path
    )

    assert (first["dataset_reused"], second["dataset_reused"]) == (False, True)
    for figures in (first, second):
        # Each run sweeps a copy: the kept register still holds every removable entry.
        assert figures["counted_by_one_query"] == figures["removable"] == 100
        assert figures["sweep_removed"] == 100
        assert figures["count_query_seconds"] >= 0
    assert [p.name for p in tmp_path.iterdir()] == ["retention-1000-v1"]
