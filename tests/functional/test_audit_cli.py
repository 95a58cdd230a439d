"""``listwarden audit`` as an operator, a witness and an auditor use it; errors are one line."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from listwarden.bootstrap import Register
from listwarden.cli import app
from listwarden.services.users import issue_token
from tests.factories import make_cast
from tests.integration.auditlog.conftest import as_attacker, write_events


class Cli:
    def __init__(self, register: Register) -> None:
        self.register = register
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0) -> str:
        result = self.runner.invoke(app, ["audit", *args])
        assert result.exit_code == code, (result.stdout, result.stderr)
        if code:
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1
            assert lines[0].startswith("listwarden: error: ")
            assert "Traceback" not in result.stderr
            return lines[0]
        return result.stdout


@pytest.fixture
def cli(register: Register, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("LISTWARDEN_HOME", str(register.settings.home))
    monkeypatch.setenv("LISTWARDEN_DATABASE_URL", register.settings.resolved_database_url)
    monkeypatch.delenv("LISTWARDEN_TOKEN", raising=False)
    return Cli(register)


def test_checkpoint_verify_and_tampering(cli: Cli) -> None:
    make_cast(cli.register)
    note = cli("checkpoint")
    origin, size, _root, blank, signature = note.split("\n", 4)
    assert origin.startswith("listwarden.local/")
    assert size == "24"  # a user:create and a training:record per user
    assert blank == ""
    assert signature.startswith("\u2014 " + origin + " ")
    view = json.loads(cli("checkpoint", "--json"))
    assert (view["tree_size"], view["note"]) == (24, note)
    assert view["vkey"].startswith(origin + "+")
    assert cli("verify").strip().endswith("the log of 24 events verifies")
    outside = cli.register.settings.home.parent / "kept.checkpoint"
    outside.write_text(note)
    report = json.loads(cli("verify", "--checkpoint", str(outside), "--json"))
    assert (report["ok"], report["outside_checkpoint_size"]) == (True, 24)

    as_attacker(cli.register, "UPDATE events SET actor_id = 'someone' WHERE id = 3")
    line = cli("verify", code=7)
    assert line.startswith("listwarden: error: the log does not verify (first departure at leaf ")
    assert "differs from what was logged" in line
    failed = cli.runner.invoke(app, ["audit", "verify", "--json"])
    assert failed.exit_code == 7
    assert json.loads(failed.stdout)["ok"] is False


def test_a_witness_keygen_and_cosign(cli: Cli, tmp_path: Path) -> None:
    make_cast(cli.register)
    key = tmp_path / "dpo.key"
    printed = cli("keygen", "--name", "dpo.example", "--out", str(key))
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    vkey = printed.strip().splitlines()[-1]
    assert vkey.startswith("dpo.example+")
    assert "already exists" in cli("keygen", "--name", "dpo.example", "--out", str(key), code=4)
    assert "no checkpoint has been cosigned" in cli("status")
    cosigned = cli("cosign", "--key", str(key))
    assert cosigned.splitlines()[-1].startswith("\u2014 dpo.example ")
    status = json.loads(cli("status", "--json"))["last_cosigned"]
    assert (status["witness"], status["witness_vkey"], status["tree_size"]) == (
        "dpo.example",
        vkey,
        24,
    )
    inside = cli.register.settings.home / "dpo.key"
    inside.write_bytes(key.read_bytes())
    assert "kept in the data directory" in cli("cosign", "--key", str(inside), code=5)
    assert "cannot read the key file" in cli(
        "cosign", "--key", str(tmp_path / "absent.key"), code=6
    )


def test_an_auditor_searches_proves_and_exports_with_a_token(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cast = make_cast(cli.register)
    write_events(cli.register, 3, subject="subject-x")
    assert "needs your API token" in cli("search", "--subject", "subject-x", code=2)
    token = issue_token(uow=cli.register.uow, user_id=cast.auditor.id)
    monkeypatch.setenv("LISTWARDEN_TOKEN", token)
    found = json.loads(cli("search", "--subject", "subject-x", "--limit", "2", "--json"))
    assert [e["justification"] for e in found["events"]] == ["a reason given for the test"] * 2
    more = cli("search", "--subject", "subject-x", "--after", str(found["next_after"]))
    assert more.count("subject=subject-x") == 1
    assert "unknown operation" in cli("search", "--operation", "nope", code=2)
    since = json.loads(cli("search", "--since", "2000-01-01", "--until", "2999-01-01", "--json"))
    assert len(since["events"]) == 28  # the cast, training, the three written, the token issued

    event_id = found["events"][0]["id"]
    inclusion = json.loads(cli("prove", "--event", str(event_id), "--json"))
    assert (inclusion["event_id"], inclusion["tree_size"]) == (event_id, 28)
    consistency = json.loads(cli("prove", "--from", "3", "--to", "27", "--json"))
    assert consistency["first"] == 3
    assert consistency["proof"]
    assert "leaf_index:" in cli("prove", "--event", str(event_id))
    assert "either --event" in cli("prove", "--event", "1", "--from", "2", code=2)
    assert "no event 424242" in cli("prove", "--event", "424242", code=3)

    out = tmp_path / "export.jsonl"
    assert cli("export", "--out", str(out)).strip() == f"wrote 28 events to {out}"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    kinds = [json.loads(line)["type"] for line in out.read_text().splitlines()]
    assert kinds[0] == "header"
    assert kinds.count("event") == 28
    assert "already exists" in cli("export", "--out", str(out), code=2)
    officer = issue_token(uow=cli.register.uow, user_id=cast.officer.id)
    monkeypatch.setenv("LISTWARDEN_TOKEN", officer)
    assert "no policy permits the officer role to log:read" in cli("search", code=5)


def test_expire_keys_and_sequence(cli: Cli) -> None:
    write_events(cli.register, 2)
    assert json.loads(cli("sequence", "--json")) == {"sequenced": 2, "tree_size": 2}
    planned = json.loads(cli("expire-keys", "--dry-run", "--json"))
    assert planned["destroyed"] == []
    assert planned["dry_run"] is True
    assert len(planned["kept"]) == 1
    assert cli("expire-keys").startswith("destroyed 0 period keys")
