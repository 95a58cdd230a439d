"""``listwarden users`` as the operator runs it: set a password, enrol TOTP, unlock, disable."""

from __future__ import annotations

import json
from datetime import timedelta

import pyotp
import pytest
from typer.testing import CliRunner

from listwarden.bootstrap import Register
from listwarden.cli import app
from listwarden.services import sessions, signin
from listwarden.services.users import authenticate_token
from tests.factories import make_cast

PASSWORD = "correct horse battery staple"


@pytest.fixture
def runner(register: Register, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LISTWARDEN_HOME", str(register.settings.home))
    monkeypatch.setenv("LISTWARDEN_DATABASE_URL", register.settings.resolved_database_url)
    return CliRunner()


def test_an_operator_sets_up_an_account_that_then_signs_in(
    register: Register, runner: CliRunner
) -> None:
    user_id = make_cast(register).officer.id
    short = runner.invoke(app, ["users", "set-password", user_id, "--password-stdin"], input="x\n")
    assert short.exit_code == 2
    assert short.stderr.strip() == (
        "listwarden: error: the password is too short: password: use at least 12 characters"
    )
    done = runner.invoke(
        app, ["users", "set-password", user_id, "--password-stdin"], input=PASSWORD + "\n"
    )
    assert done.exit_code == 0, done.stderr
    enrolled = runner.invoke(app, ["users", "enrol-totp", user_id, "--json"])
    assert enrolled.exit_code == 0, enrolled.stderr
    uri = json.loads(enrolled.stdout)["otpauth_uri"]
    assert uri.startswith("otpauth://totp/listwarden:")
    totp = pyotp.parse_uri(uri)
    assert isinstance(totp, pyotp.TOTP)
    signed_in = signin.sign_in(
        uow=register.uow, account=user_id, password=PASSWORD, code=totp.now()
    )
    assert sessions.resolve_session(uow=register.uow, token=signed_in.token).id == user_id

    unlocked = runner.invoke(app, ["users", "unlock", user_id])
    assert (unlocked.exit_code, unlocked.stdout.strip()) == (0, f"unlocked {user_id}")
    disabled = runner.invoke(app, ["users", "disable", user_id, "--reason", "left", "--json"])
    assert disabled.exit_code == 0, disabled.stderr
    assert json.loads(disabled.stdout)["sessions_ended"] == 1
    unknown = runner.invoke(app, ["users", "unlock", "no-such-user"])
    assert unknown.exit_code == 3
    assert unknown.stderr.startswith("listwarden: error: no user no-such-user")


def test_an_operator_issues_a_scoped_token(register: Register, runner: CliRunner) -> None:
    user_id = make_cast(register).auditor.id
    issued = runner.invoke(
        app, ["users", "issue-token", user_id, "--scope", "log:read", "--days", "7", "--json"]
    )
    assert issued.exit_code == 0, issued.stderr
    body = json.loads(issued.stdout)
    assert body["scopes"] == ["log:read"]
    holder = authenticate_token(uow=register.uow, token=body["token"])
    assert (holder.actor.id, holder.grant.scopes) == (user_id, frozenset({"log:read"}))
    assert holder.grant.expires_at - register.uow.now() <= timedelta(days=7)
    refused = runner.invoke(app, ["users", "issue-token", user_id, "--scope", "everything"])
    assert refused.exit_code == 2
    assert "'everything' is not one of" in refused.stderr
    too_long = runner.invoke(app, ["users", "issue-token", user_id, "--days", "400"])
    assert too_long.exit_code == 2
    assert "within 365 days" in too_long.stderr
