"""``listwarden rights`` and ``listwarden sar`` as the IRU uses them: JSON, PDF, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from typer.testing import CliRunner

from listwarden.bootstrap import Register
from listwarden.cli import app
from listwarden.services.users import issue_token
from listwarden.store.tables import Entry
from tests.factories import add_person, authorised_list, make_cast


@pytest.fixture
def env(register: Register, monkeypatch: pytest.MonkeyPatch) -> Register:
    monkeypatch.setenv("LISTWARDEN_HOME", str(register.settings.home))
    monkeypatch.setenv("LISTWARDEN_DATABASE_URL", register.settings.resolved_database_url)
    monkeypatch.delenv("LISTWARDEN_TOKEN", raising=False)
    return register


def test_the_iru_records_a_request_and_compiles_json_and_pdf(env: Register, tmp_path: Path) -> None:
    cast = make_cast(env)
    matrix = authorised_list(env, cast)
    entry_id = add_person(env, cast, matrix, n=4)
    with env.uow.read_only() as session:
        subject_id = session.scalars(select(Entry.subject_id).where(Entry.id == entry_id)).one()
    token = issue_token(uow=env.uow, user_id=cast.iru.id)
    runner = CliRunner()
    recorded = runner.invoke(
        app,
        [
            "rights",
            "request",
            subject_id,
            "--identity",
            "passport",
            "--identity-confirmed",
            "--token",
            token,
            "--json",
        ],
    )
    assert recorded.exit_code == 0, recorded.stderr
    assert json.loads(recorded.stdout)["due_on"]
    pdf = tmp_path / "response.pdf"
    made = runner.invoke(
        app, ["sar", subject_id, "--format", "pdf", "--out", str(pdf), "--token", token]
    )
    assert made.exit_code == 0, made.stderr
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Testgiven4" in text
    assert "identity withheld" in text
    listed = runner.invoke(app, ["rights", "list", "--token", token, "--json"])
    assert json.loads(listed.stdout)[0]["status"] == "answered"
    again = runner.invoke(app, ["sar", subject_id, "--token", token])
    assert again.exit_code == 2
    assert again.stderr.strip().splitlines() == [
        "listwarden: error: there is no open access request for this person: "
        "subject: record it with: rights request"
    ]


def test_an_officer_cannot_compile_a_response(env: Register) -> None:
    cast = make_cast(env)
    token = issue_token(uow=env.uow, user_id=cast.officer.id)
    result = CliRunner().invoke(app, ["rights", "list", "--token", token])
    assert result.exit_code == 5
    assert len(result.stderr.strip().splitlines()) == 1
