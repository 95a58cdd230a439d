"""``listwarden access sync`` and ``review`` as the operator runs them from the HR feed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from listwarden.bootstrap import Register
from listwarden.cli import app
from tests.factories import authorised_list, make_cast

HEADER = "user_id,name,role,bcus,unit,status,effective_date\n"


@pytest.fixture
def runner(register: Register, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LISTWARDEN_HOME", str(register.settings.home))
    monkeypatch.setenv("LISTWARDEN_DATABASE_URL", register.settings.resolved_database_url)
    return CliRunner()


def test_sync_a_leaver_then_review(register: Register, runner: CliRunner, tmp_path: Path) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    feed = tmp_path / "hr.csv"
    feed.write_text(
        HEADER
        + f"{cast.officer.id},Oli Cer,officer,CE,Gangs CE,leaver,2026-01-05\n"
        + "hr-9,New Starter,officer,NE,Gangs NE,joiner,2026-01-05\n"
    )
    synced = runner.invoke(app, ["access", "sync", str(feed), "--json"])
    assert synced.exit_code == 0, synced.stderr
    report = json.loads(synced.stdout)
    assert (report["left"], report["joined"]) == ([cast.officer.id], ["hr-9"])
    assert len(report["grants_revoked"]) == 1

    reviewed = runner.invoke(app, ["access", "review", "--json"])
    assert reviewed.exit_code == 0, reviewed.stderr
    review = json.loads(reviewed.stdout)
    assert review["gang_unit_without_mandatory_training"] == ["hr-9"]
    holders = {h["user_id"] for h in review["held"] if h["list_id"] == matrix}
    assert cast.officer.id not in holders
    assert cast.iao.id in holders
    text = runner.invoke(app, ["access", "review"])
    assert "gang unit, mandatory training not current: hr-9" in text.stdout


def test_a_bad_feed_changes_nothing(register: Register, runner: CliRunner, tmp_path: Path) -> None:
    cast = make_cast(register)
    feed = tmp_path / "hr.csv"
    feed.write_text(HEADER + f"{cast.officer.id},Oli Cer,officer,CE,Gangs CE,retired,2026-01-05\n")
    refused = runner.invoke(app, ["access", "sync", str(feed)])
    assert refused.exit_code != 0
    assert refused.stderr.strip().startswith("listwarden: error: HR feed line 2: status must be")
