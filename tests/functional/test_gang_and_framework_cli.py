"""`listwarden gang` and `listwarden assessment` as the IAO, DPO and equality analyst use them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from listwarden.bootstrap import Register
from listwarden.cli import app
from listwarden.services.users import issue_token
from tests.factories import add_person, authorised_list, make_cast


@pytest.fixture
def runner(register: Register, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LISTWARDEN_HOME", str(register.settings.home))
    monkeypatch.setenv("LISTWARDEN_DATABASE_URL", register.settings.resolved_database_url)
    return CliRunner()


def test_record_approve_and_list_a_gang(
    register: Register, runner: CliRunner, tmp_path: Path
) -> None:
    cast = make_cast(register)
    analyst = issue_token(uow=register.uow, user_id=cast.analyst.id)
    iao = issue_token(uow=register.uow, user_id=cast.iao.id)
    evidence = tmp_path / "definition.txt"
    evidence.write_text("Joint offending and a shared identity over two years", encoding="utf-8")

    missing = runner.invoke(app, ["gang", "record", "Eastside", "--bcu", "CE", "--evidence-file",
                                  str(tmp_path / "none.txt"), "--token", analyst])  # fmt: skip
    assert missing.exit_code != 0
    assert "cannot read the evidence file" in missing.output
    assert "Traceback" not in missing.output
    recorded = runner.invoke(app, ["gang", "record", "Eastside", "--bcu", "CE", "--evidence-file",
                                   str(evidence), "--token", analyst, "--json"])  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    gang_id = json.loads(recorded.output)["id"]
    no_token = runner.invoke(app, ["gang", "approve", gang_id])
    assert no_token.exit_code != 0
    assert "give your API token" in no_token.output
    approved = runner.invoke(app, ["gang", "approve", gang_id, "--token", iao, "--json"])
    assert approved.exit_code == 0, approved.output
    listed = json.loads(runner.invoke(app, ["gang", "list", "--token", iao, "--json"]).output)
    assert [(g["name"], g["status"], g["bcus"]) for g in listed] == [
        ("Eastside", "approved", ["CE"])
    ]


def test_trial_sign_off_and_activate_a_framework(register: Register, runner: CliRunner) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    add_person(register, cast, matrix, 1)
    tokens = {
        who: issue_token(uow=register.uow, user_id=getattr(cast, who).id)
        for who in ("equality", "dpo", "iao")
    }
    early = runner.invoke(
        app, ["assessment", "activate", "--list", matrix, "--token", tokens["iao"]]
    )
    assert early.exit_code != 0
    assert "no signed-off trial" in early.output
    trial = runner.invoke(
        app, ["assessment", "trial", "--list", matrix, "--token", tokens["equality"]]
    )
    assert trial.exit_code == 0, trial.output
    assert "self-defined ethnicity" in trial.output
    trial_id = trial.output.split()[1].rstrip(":")
    signed = runner.invoke(app, ["assessment", "sign-off", trial_id, "--note", "no disparity",
                                 "--token", tokens["dpo"]])  # fmt: skip
    assert signed.exit_code == 0, signed.output
    done = runner.invoke(
        app, ["assessment", "activate", "--list", matrix, "--token", tokens["iao"]]
    )
    assert done.exit_code == 0, done.output
