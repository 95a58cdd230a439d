"""``listwarden share`` as the IRU, an IAO and an analyst use it, ending with Debian's ``age``."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from pyrage import x25519
from typer.testing import CliRunner

from listwarden.bootstrap import Register
from listwarden.cli import app
from listwarden.services.erasure import erase_entry
from listwarden.services.users import issue_token
from tests.factories import add_person, authorised_list, make_cast
from tests.sharing_world import second_iru, terms


@pytest.fixture
def runner(register: Register, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LISTWARDEN_HOME", str(register.settings.home))
    monkeypatch.setenv("LISTWARDEN_DATABASE_URL", register.settings.resolved_database_url)
    return CliRunner()


def test_from_recipient_to_a_package_the_age_tool_opens(
    register: Register, runner: CliRunner, tmp_path: Path
) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    iru2 = second_iru(register, cast, [matrix])
    entries = [add_person(register, cast, matrix, n=n, band="red", score=40) for n in range(3)]
    token = {
        name: issue_token(uow=register.uow, user_id=actor.id)
        for name, actor in {"iru": cast.iru, "iru2": iru2, "iao": cast.iao}.items()
    } | {"analyst": issue_token(uow=register.uow, user_id=cast.analyst.id)}

    def share(who: str, *args: str) -> dict[str, object]:
        done = runner.invoke(app, ["share", *args, "--token", token[who], "--json"])
        assert done.exit_code == 0, done.stderr
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    identity = x25519.Identity.generate()
    recipient = share(
        "iru",
        "recipient",
        "add",
        "Borough Housing",
        "--kind",
        "statutory",
        "--statutory-function",
        "local_authority_housing",
        "--contact",
        "ig@borough.example",
        "--age-key",
        str(identity.to_public()),
    )["id"]
    approved = runner.invoke(
        app,
        ["share", "recipient", "approve", str(recipient)],
        env={"LISTWARDEN_TOKEN": token["iru2"]},
    )
    assert approved.exit_code == 0, approved.stderr

    agreed = terms([str(recipient)], register.uow.today())
    body = dict(agreed.__dict__.items())
    for name in ("valid_from", "valid_until", "review_on"):
        body[name] = body[name].isoformat()
    terms_file = tmp_path / "terms.json"
    terms_file.write_text(json.dumps(body))
    agreement = share("iao", "agreement", "draft", str(terms_file))["id"]
    done = runner.invoke(
        app, ["share", "agreement", "approve", str(agreement), "--token", token["iru"]]
    )
    assert done.exit_code == 0, done.stderr

    listing = tmp_path / "entries.csv"
    listing.write_text(
        "entry_id,justification\n" + "".join(f"{e},tenancy case for {e}\n" for e in entries)
    )
    out = tmp_path / "out"
    common = [
        "disclose",
        "--recipient",
        str(recipient),
        "--agreement",
        str(agreement),
        "--purpose",
        "gang_violence_reduction",
        "--justification",
        "joint tenancy enforcement review",
        "--entries",
        str(listing),
        "--out",
        str(out),
    ]
    fields = [arg for f in ("entry_id", "given_name", "address") for arg in ("--field", f)]
    result = share("analyst", *common, *fields)
    assert result["fields_removed"] == ["address"]
    path = Path(str(result["path"]))
    assert (path.stat().st_mode & 0o777) == 0o600

    assert shutil.which("age"), "Debian's age tool is needed (make system-deps)"
    key = tmp_path / "key.txt"
    key.write_text(str(identity) + "\n")
    opened = subprocess.run(
        ["age", "-d", "-i", str(key), str(path)], capture_output=True, check=True
    ).stdout
    with zipfile.ZipFile(io.BytesIO(opened)) as archive:
        table = archive.read("disclosure.csv").decode("utf-8-sig")
    assert table.splitlines()[0] == "disclosure_reference,row_tag,entry_id,given_name"
    assert "Testgiven2" in table

    refused = runner.invoke(
        app,
        [
            "share",
            *common,
            "--field",
            "entry_id",
            "--justification",
            " ",
            "--token",
            token["analyst"],
        ],
    )
    assert refused.exit_code == 5
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("listwarden: error: the disclosure is refused")
    assert "state why the disclosure is necessary" in lines[0]

    review = share("iru", "review")
    assert review["disclosures"] == 1
    assert len(review["refused"]) == 1
    leak = tmp_path / "leak.csv"
    leak.write_text("\n".join(table.splitlines()[:3]) + "\n")
    found = share("iru", "attribute", str(leak))
    assert found["method"] == "tags"
    text = runner.invoke(app, ["share", "review", "--token", token["iru"]])
    assert "Borough Housing (statutory)" in text.stdout

    erase_entry(
        uow=register.uow,
        actor_id=cast.iao.id,
        entry_id=entries[0],
        rule_or_request="SAR-7",
        reason="subject's erasure request upheld",
    )
    pending = runner.invoke(app, ["share", "notices", "--json", "--token", token["iru"]])
    assert pending.exit_code == 0, pending.stderr
    [notice] = json.loads(pending.stdout)
    assert (notice["kind"], notice["entry_id"]) == ("erasure", entries[0])
    sent = runner.invoke(app, ["share", "notices-sent", notice["id"], "--token", token["iru"]])
    assert sent.exit_code == 0, sent.stderr
    assert sent.stdout.strip() == "1 notice(s) recorded as sent"


def test_no_token_is_one_plain_line(register: Register, runner: CliRunner) -> None:
    done = runner.invoke(app, ["share", "review"], env={"LISTWARDEN_TOKEN": ""})
    assert done.exit_code == 2
    assert done.stderr.strip() == (
        "listwarden: error: sharing commands act for a user: give your API token: "
        "token: give --token or set LISTWARDEN_TOKEN"
    )
