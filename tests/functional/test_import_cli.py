"""``listwarden import`` as a BCU analyst's IAO uses it: a report, --json, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from listwarden.bootstrap import Register
from listwarden.cli import app
from listwarden.demo.borough_sheet import MAPPING_TOML, expected_reasons, write_borough_file
from listwarden.services.users import issue_token
from listwarden.store.tables import ImportRun
from tests.factories import authorised_list, make_cast


@pytest.fixture
def env(register: Register, monkeypatch: pytest.MonkeyPatch) -> Register:
    monkeypatch.setenv("LISTWARDEN_HOME", str(register.settings.home))
    monkeypatch.setenv("LISTWARDEN_DATABASE_URL", register.settings.resolved_database_url)
    monkeypatch.delenv("LISTWARDEN_TOKEN", raising=False)
    return register


def test_import_reports_what_it_loaded_and_quarantined(env: Register, tmp_path: Path) -> None:
    cast = make_cast(env)
    matrix = authorised_list(env, cast)
    token = issue_token(uow=env.uow, user_id=cast.iao.id)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING_TOML)
    sheet = tmp_path / "lambeth.xlsx"
    kinds = write_borough_file(sheet, 200, today=env.uow.today(), iao_id=cast.iao.id)
    runner = CliRunner()
    args = ["import", str(sheet), "--list", matrix, "--mapping", str(mapping), "--token", token]
    dry = runner.invoke(app, [*args, "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.stderr
    assert json.loads(dry.stdout)["dry_run"] is True
    done = runner.invoke(app, [*args, "--json"])
    assert done.exit_code == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["reasons"] == dict(sorted(expected_reasons(kinds).items()))
    assert report["loaded"] + report["quarantined"] == 200
    text = runner.invoke(app, [*args[:-2], "--token", token])  # a second run: all on the list
    assert text.exit_code == 0, text.stderr
    assert "already-on-list" in text.stdout
    assert "the source file can now be scanned for and destroyed" in text.stdout


def test_import_errors_are_one_line(env: Register, tmp_path: Path) -> None:
    cast = make_cast(env)
    matrix = authorised_list(env, cast)
    token = issue_token(uow=env.uow, user_id=cast.iao.id)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING_TOML)
    broken = tmp_path / "broken.csv"
    broken.write_text("Forename,Surname\nA,B\n")
    bad_mapping = tmp_path / "bad.toml"
    bad_mapping.write_text("[columns]\ngiven_name = 3\n")
    runner = CliRunner()
    cases = [
        ([str(broken), "--mapping", str(mapping), "--token", token], "row 1"),
        ([str(broken), "--mapping", str(bad_mapping), "--token", token], "mapping"),
        ([str(broken), "--mapping", str(mapping)], "API token"),
        ([str(tmp_path / "x.docx"), "--mapping", str(mapping), "--token", token], "no file"),
    ]
    for extra, words in cases:
        result = runner.invoke(app, ["import", "--list", matrix, *extra])
        assert result.exit_code == 2, (extra, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("listwarden: error: ")
        assert words in lines[0]


def test_the_quarantine_is_exported_to_be_fixed(env: Register, tmp_path: Path) -> None:
    cast = make_cast(env)
    matrix = authorised_list(env, cast)
    token = issue_token(uow=env.uow, user_id=cast.iao.id)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING_TOML)
    sheet = tmp_path / "borough.csv"
    kinds = write_borough_file(sheet, 100, today=env.uow.today(), iao_id=cast.iao.id)
    runner = CliRunner()
    done = runner.invoke(
        app,
        [*("import", str(sheet), "--list", matrix), *("--mapping", str(mapping), "--token", token)],
    )
    assert done.exit_code == 0, done.stderr
    with env.uow.read_only() as session:
        import_id = session.scalars(select(ImportRun.id)).one()
    out = tmp_path / "quarantine.csv"
    exported = runner.invoke(
        app, ["quarantine", "export", import_id, "--out", str(out), "--token", token]
    )
    assert exported.exit_code == 0, exported.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 1 + sum(1 for k in kinds if k)
    assert lines[0].endswith("quarantine reasons")
    assert oct(out.stat().st_mode & 0o777) == "0o600"
