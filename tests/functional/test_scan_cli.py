"""``listwarden scan`` as the DPO runs it: a summary by identifiers, --json, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from listwarden.bootstrap import Register
from listwarden.cli import app
from listwarden.services.loss_detection import scan_paths
from listwarden.services.users import issue_token
from listwarden.web.app import create_app
from tests.integration.test_loss_detection import PEOPLE, _planted, _populate


@pytest.fixture
def env(register: Register, monkeypatch: pytest.MonkeyPatch) -> Register:
    monkeypatch.setenv("LISTWARDEN_HOME", str(register.settings.home))
    monkeypatch.setenv("LISTWARDEN_DATABASE_URL", register.settings.resolved_database_url)
    monkeypatch.delenv("LISTWARDEN_TOKEN", raising=False)
    return register


def test_scan_reports_findings_by_identifier_never_by_name(env: Register, tmp_path: Path) -> None:
    cast, _ = _populate(env)
    _planted(tmp_path / "drive")
    token = issue_token(uow=env.uow, user_id=cast.dpo.id)
    runner = CliRunner()

    text = runner.invoke(app, ["scan", str(tmp_path / "drive"), "--token", token])
    assert text.exit_code == 0, text.stderr
    assert "4 file(s) scanned" in text.stdout
    assert "3 finding(s) stored" in text.stdout
    assert f"my list.csv: informal list, {len(PEOPLE)} strong" in text.stdout
    assert "broken.xlsx: not read in full: malformed" in text.stdout

    out = runner.invoke(
        app, ["scan", str(tmp_path / "drive" / "my list.csv"), "--token", token, "--json"]
    )
    assert out.exit_code == 0, out.stderr
    report = json.loads(out.stdout)
    [finding] = report["findings"]
    assert finding["strength"] == "strong"
    assert len(finding["strong_subject_ids"]) == len(PEOPLE)
    for printed in (text.stdout, out.stdout):
        for given, family, _born in PEOPLE:
            assert given not in printed
            assert family not in printed
            assert family.upper() not in printed


def test_scan_errors_are_one_line(env: Register, tmp_path: Path) -> None:
    cast, _ = _populate(env)
    _planted(tmp_path / "drive")
    dpo = issue_token(uow=env.uow, user_id=cast.dpo.id)
    officer = issue_token(uow=env.uow, user_id=cast.officer.id)
    runner = CliRunner()
    cases = [
        ([str(tmp_path / "drive")], "API token", 2),
        ([str(tmp_path / "nowhere"), "--token", dpo], "nothing to scan", 2),
        ([str(tmp_path / "drive"), "--token", officer], "", None),
    ]
    for extra, words, code in cases:
        result = runner.invoke(app, ["scan", *extra])
        assert result.exit_code != 0 if code is None else result.exit_code == code, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("listwarden: ")
        assert words in lines[0]


def test_findings_are_listed_and_closed_as_justified(env: Register, tmp_path: Path) -> None:
    cast, _ = _populate(env)
    _planted(tmp_path / "drive")
    token = issue_token(uow=env.uow, user_id=cast.dpo.id)
    runner = CliRunner()
    assert runner.invoke(app, ["scan", str(tmp_path / "drive"), "--token", token]).exit_code == 0

    listed = runner.invoke(app, ["findings", "list", "--token", token, "--json"])
    assert listed.exit_code == 0, listed.stderr
    found = json.loads(listed.stdout)
    assert len(found) == 3
    target = found[0]["id"]
    closed = runner.invoke(
        app, ["findings", "justify", target, "--reason", "held for a prosecution", "--token", token]
    )
    assert closed.exit_code == 0, closed.stderr
    assert f"finding {target} closed as justified" in closed.stdout
    text = runner.invoke(app, ["findings", "list", "--token", token])
    assert "2 open finding(s)" in text.stdout
    assert target not in text.stdout

    again = runner.invoke(app, ["findings", "justify", target, "--reason", "x", "--token", token])
    assert again.exit_code == 2
    [line] = again.stderr.strip().splitlines()
    assert line.startswith(f"listwarden: error: finding {target} is already closed (justified)")


def test_the_dpo_reads_open_findings_from_the_api(register: Register, tmp_path: Path) -> None:
    cast, _ = _populate(register)
    _planted(tmp_path / "drive")
    found = scan_paths(uow=register.uow, actor=cast.dpo, paths=[tmp_path / "drive"])
    with TestClient(create_app(register)) as client:
        bearer = {"Authorization": f"Bearer {issue_token(uow=register.uow, user_id=cast.dpo.id)}"}
        response = client.get("/api/v1/loss-findings", headers=bearer)
        officer = issue_token(uow=register.uow, user_id=cast.officer.id)
        refused = client.get(
            "/api/v1/loss-findings", headers={"Authorization": f"Bearer {officer}"}
        )
    assert response.status_code == 200
    assert {f["id"] for f in response.json()} == {f.id for f in found.findings}
    for _given, family, _born in PEOPLE:
        assert family not in response.text
        assert family.upper() not in response.text
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
