"""The Presidio peer is fed whole lines in batches of about 4 KB (its enhancer is quadratic)."""

from __future__ import annotations

from listwarden.bench.presidio import _batches


def test_batches_keep_whole_lines_and_stay_near_four_kilobytes() -> None:
    lines = [f"line {n} " + "x" * (n % 97) + "\n" for n in range(2_000)]
    text = "".join(lines)
    batches = list(_batches(text))
    assert "".join(batches) == text
    assert all(b.endswith("\n") for b in batches)
    assert all(len(b) < 4_000 + 120 for b in batches)
    assert all(len(b) >= 4_000 for b in batches[:-1])  # none cut short but the last
