"""`listwarden alerts` and `GET /api/v1/alerts`: the DPO's view, --json, problems on refusal."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from listwarden.bootstrap import Register
from listwarden.cli import app
from listwarden.domain.errors import AccessDenied
from listwarden.services.access_alerts import access_alerts
from listwarden.services.users import issue_token
from listwarden.web.app import create_app
from tests.factories import make_cast


@pytest.fixture
def env(register: Register, monkeypatch: pytest.MonkeyPatch) -> Register:
    monkeypatch.setenv("LISTWARDEN_HOME", str(register.settings.home))
    monkeypatch.setenv("LISTWARDEN_DATABASE_URL", register.settings.resolved_database_url)
    monkeypatch.delenv("LISTWARDEN_TOKEN", raising=False)
    return register


def _refuse_officer(register: Register, times: int) -> str:
    cast = make_cast(register)
    for _ in range(times):
        with pytest.raises(AccessDenied):
            access_alerts(uow=register.uow, actor=cast.officer)
    return cast.officer.id


def test_the_cli_lists_alerts_with_the_thresholds_from_the_settings(
    env: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = _refuse_officer(env, 3)
    cast_dpo = make_cast(env).dpo  # a second cast: its own DPO
    token = issue_token(uow=env.uow, user_id=cast_dpo.id)
    runner = CliRunner()

    quiet = runner.invoke(app, ["alerts", "--token", token])  # default: more than 4 an hour
    assert quiet.exit_code == 0, quiet.stderr
    assert quiet.stdout.startswith("0 alert(s) from ")

    monkeypatch.setenv("LISTWARDEN_ALERT_REFUSALS_PER_HOUR", "2")
    text = runner.invoke(app, ["alerts", "--token", token])
    assert text.exit_code == 0, text.stderr
    assert text.stdout.startswith("1 alert(s) from ")
    assert f"repeated-refusals  user {officer}" in text.stdout
    assert "3 refusals, more than 2 within an hour" in text.stdout

    out = runner.invoke(app, ["alerts", "--token", token, "--json", "--days", "1"])
    assert out.exit_code == 0, out.stderr
    report = json.loads(out.stdout)
    [alert] = report["alerts"]
    assert alert["kind"] == "repeated-refusals"
    assert alert["actor_id"] == officer
    assert alert["count"] == 3
    assert report["thresholds"]["max_refusals_per_hour"] == 2


def test_cli_errors_are_one_line(env: Register, monkeypatch: pytest.MonkeyPatch) -> None:
    cast = make_cast(env)
    dpo = issue_token(uow=env.uow, user_id=cast.dpo.id)
    officer = issue_token(uow=env.uow, user_id=cast.officer.id)
    runner = CliRunner()
    cases = [
        ([], "API token"),
        (["--token", officer], "alerts:read"),
        (["--token", dpo, "--days", "0"], "alerts cover 1 to 366 days"),
    ]
    for extra, words in cases:
        result = runner.invoke(app, ["alerts", *extra])
        assert result.exit_code != 0
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("listwarden: ")
        assert words in line
    monkeypatch.setenv("LISTWARDEN_ALERT_TIMEZONE", "Nowhere/Else")
    bad = runner.invoke(app, ["alerts", "--token", dpo])
    assert bad.exit_code != 0
    [line] = bad.stderr.strip().splitlines()
    assert "access-alert settings are not usable" in line


def test_the_api_view_is_the_dpo_s_alone(register: Register) -> None:
    officer_id = _refuse_officer(register, 5)
    cast = make_cast(register)
    with TestClient(create_app(register)) as client:
        dpo = {"Authorization": f"Bearer {issue_token(uow=register.uow, user_id=cast.dpo.id)}"}
        officer = {
            "Authorization": f"Bearer {issue_token(uow=register.uow, user_id=cast.officer.id)}"
        }
        shown = client.get("/api/v1/alerts", headers=dpo)
        refused = client.get("/api/v1/alerts", headers=officer)
        bad = client.get("/api/v1/alerts?days=0", headers=dpo)
        junk = client.get("/api/v1/alerts?days=many", headers=dpo)
    assert shown.status_code == 200
    [alert] = shown.json()["alerts"]
    assert (alert["kind"], alert["actor_id"], alert["count"]) == (
        "repeated-refusals",
        officer_id,
        5,
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    for problem in (bad, junk):
        assert problem.status_code in (400, 422)
        assert problem.headers["content-type"].startswith("application/problem+json")
    assert "alerts cover 1 to 366 days" in bad.json()["detail"]
