"""The command line as a person uses it: init, demo, and one plain line for every error."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest


def cli(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a child process; a variable given as "" is removed from its environment."""
    merged = {**os.environ, "LISTWARDEN_HOME": str(home), **env}
    environment = {name: value for name, value in merged.items() if value != "" or name not in env}
    environment.pop("LISTWARDEN_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "listwarden.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


def test_init_creates_private_keys_and_is_idempotent(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = cli(home, "init", "--json")
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert result["admin_token"].startswith("lw1.")
    assert stat.S_IMODE((home / "kek.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "tls" / "key.pem").stat().st_mode) == 0o600
    second = cli(home, "init", "--json")
    assert second.returncode == 0
    assert json.loads(second.stdout)["admin_token"] is None


def test_a_bad_key_file_is_one_plain_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert cli(home, "init").returncode == 0
    (home / "kek.key").write_text("not a key")
    broken = cli(home, "demo", "--no-serve", "--subjects", "10")
    assert broken.returncode == 6
    assert broken.stdout == ""
    lines = broken.stderr.strip().splitlines()
    assert len(lines) == 1, broken.stderr
    assert lines[0].startswith("listwarden: error: ")
    assert "Traceback" not in broken.stderr


def test_unknown_bench_suite_is_refused(tmp_path: Path) -> None:
    refused = cli(tmp_path, "bench", "--only", "nonsense")
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "listwarden: error: unknown benchmark suite 'nonsense': only: choose from "
        + ", ".join(__import__("listwarden.bench.suites", fromlist=["SUITES"]).SUITES)
    )
    from listwarden.bench import SUITE_NAMES
    from listwarden.bench.suites import SUITES

    assert tuple(SUITES) == SUITE_NAMES
    shown = cli(tmp_path, "bench", "--help")
    words = set(re.findall(r"[a-z]+", shown.stdout))
    assert [n for n in SUITE_NAMES if n not in words] == []


@pytest.mark.slow
def test_demo_is_deterministic_and_calibrated(tmp_path: Path) -> None:
    runs = []
    for name in ("a", "b"):
        done = cli(
            tmp_path / name, "demo", "--no-serve", "--json", "--subjects", "600", "--seed", "5"
        )
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout)
        runs.append(
            {
                k: summary[k]
                for k in (
                    "by_bcu",
                    "by_category",
                    "by_band",
                    "zero_score",
                    "under_16",
                    "entries_by_list",
                )
            }
        )
    assert runs[0] == runs[1]
    summary = runs[0]
    assert summary["entries_by_list"]["Gangs Violence Matrix"] == 600
    assert set(summary["by_bcu"]) == {
        "CE",
        "CN",
        "AS",
        "AW",
        "EA",
        "NA",
        "NE",
        "NW",
        "SN",
        "SE",
        "SW",
        "WA",
    }
    # The Matrix holds suspected and convicted people only; victims are on their own list.
    matrix_categories = {"suspected", "convicted"}
    assert summary["by_category"]["victim"] > 0
    assert 0.30 < summary["zero_score"] / 600 < 0.50
    assert 0.55 < summary["by_band"]["green"] / 600 < 0.72
    assert summary["under_16"] > 0
    assert matrix_categories <= set(summary["by_category"])
    again = cli(tmp_path / "a", "demo", "--no-serve")
    assert again.returncode == 4
    assert "already holds the demo" in again.stderr
