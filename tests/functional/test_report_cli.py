"""``listwarden report`` as a person uses it: every format, the signed monthly report, refusals."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.functional.test_cli import cli

BASELINE = Path(__file__).parents[2] / ".." / "shared" / "data"
CENSUS = BASELINE / "census2011_london_boroughs_ethnic_group.csv"


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("report") / "home"
    done = cli(home, "demo", "--no-serve", "--json", "--subjects", "120", "--seed", "3")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert Path(summary["compliance_report"]).read_text(encoding="utf-8").startswith("<!doctype")
    assert {f["check"] for f in summary["findings"]} >= {"leavers-with-access"}
    return home


def test_the_compliance_report_in_every_format(demo_home: Path, tmp_path: Path) -> None:
    done = cli(demo_home, "report", "compliance", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    # The demo replays the notice: each of these finds real problems in it.
    for check in (
        "guidance-missing",
        "entries-overdue-for-review",
        "zero-scores-past-removal",
        "access-with-lapsed-training",
        "gang-unit-staff-untrained",
        "leavers-with-access",
        "agreements-expired-but-used",
        "bcus-not-audited",
    ):
        assert statuses[check] == "fail", check
    assert statuses["open-loss-findings"] == "not_yet_evidenced"
    assert {s["key"] for s in report["steps"]} >= {"dpia", "audits", "access_log"}

    html = cli(
        demo_home, "report", "compliance", "--format", "html", "--out", str(tmp_path / "c.html")
    )
    assert html.returncode == 0, html.stderr
    page = (tmp_path / "c.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert "guidance-missing" in page

    rows = list(
        csv.DictReader(
            io.StringIO(cli(demo_home, "report", "compliance", "--format", "csv").stdout)
        )
    )
    assert {r["check"] for r in rows} == set(statuses)

    pdf = cli(
        demo_home,
        "report",
        "compliance",
        "--bcu",
        "CE",
        "--format",
        "pdf",
        "--out",
        str(tmp_path / "c.pdf"),
    )
    assert pdf.returncode == 0, pdf.stderr
    assert (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF-")


def test_the_monthly_report_is_signed_and_verifies(demo_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "monthly.json"
    done = cli(demo_home, "report", "monthly", "--month", "2026-10", "--json", "--out", str(out))
    assert done.returncode == 0, done.stderr
    checked = cli(demo_home, "report", "verify", str(out))
    assert checked.returncode == 0, checked.stderr
    assert "verifies" in checked.stdout
    document = json.loads(out.read_text(encoding="utf-8"))
    document["body"]["steps"][0]["failing"] = []
    document["body"]["counts"]["fail"] = 0
    out.write_text(json.dumps(document), encoding="utf-8")
    tampered = cli(demo_home, "report", "verify", str(out))
    assert tampered.returncode == 7
    assert tampered.stderr.strip().splitlines() == [
        "listwarden: error: the report for 2026-10 does not match its signature: "
        "the body was altered"
    ]


def test_the_equality_report_is_for_equality_analysts_and_the_dpo(demo_home: Path) -> None:
    tokens = json.loads((demo_home / "demo-tokens.json").read_text(encoding="utf-8"))
    env = {"LISTWARDEN_CENSUS_BASELINE": str(CENSUS)}
    refused = cli(demo_home, "report", "equality", "--token", tokens["officer"], "--json", **env)
    assert refused.returncode == 5
    assert refused.stderr.startswith("listwarden: error: ")
    done = cli(
        demo_home, "report", "equality", "--token", tokens["equality_analyst"], "--json", **env
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["areas"][0]["label"] == "force"
    assert report["areas"][0]["total"] > 0
    html = cli(demo_home, "report", "equality", "--token", tokens["dpo"], **env)
    assert html.returncode == 0, html.stderr
    assert 'aria-labelledby="disparity-title disparity-desc"' in html.stdout


def test_bad_input_is_one_plain_line(demo_home: Path) -> None:
    bad = cli(demo_home, "report", "compliance", "--format", "docx")
    assert (bad.returncode, bad.stderr.strip()) == (
        2,
        "listwarden: error: unknown format 'docx': format: one of: html, pdf, json, csv",
    )
    no_bcu = cli(demo_home, "report", "compliance", "--bcu", "ZZ", "--json")
    assert no_bcu.returncode == 2
    assert "Traceback" not in no_bcu.stderr
    # `make` exports the shared census file; without it the report says so, in one line.
    no_baseline = cli(
        demo_home, "report", "equality", "--token", "x", "--json", LISTWARDEN_CENSUS_BASELINE=""
    )
    assert no_baseline.returncode == 2
    assert "no census baseline configured" in no_baseline.stderr


def test_dpia_publication_audits_and_guidance_from_the_command_line(
    demo_home: Path, tmp_path: Path
) -> None:
    tokens = json.loads((demo_home / "demo-tokens.json").read_text(encoding="utf-8"))
    register = cli(demo_home, "report", "dpia", "--json")
    assert register.returncode == 0, register.stderr
    assert {r["list"] for r in json.loads(register.stdout)["lists"]} == {
        "Gangs Violence Matrix",
        "Victim Safeguarding List",
    }
    env = {"LISTWARDEN_CENSUS_BASELINE": str(CENSUS)}
    page = cli(demo_home, "report", "publication", **env)
    assert page.returncode == 0, page.stderr
    assert "How our lists of people work" in page.stdout
    assert "[c]" in page.stdout  # a small demo has counts under 10, and none is shown

    opened = cli(demo_home, "audits", "open", "--bcu", "CE", "--token", tokens["auditor"], "--json")
    assert opened.returncode == 0, opened.stderr
    audit_id = json.loads(opened.stdout)["id"]
    shown = cli(demo_home, "report", "bcu", "--bcu", "CE", "--token", tokens["auditor"], "--json")
    assert shown.returncode == 0, shown.stderr
    assert (json.loads(shown.stdout)["id"], json.loads(shown.stdout)["bcu"]) == (audit_id, "CE")
    refused = cli(demo_home, "audits", "open", "--bcu", "CE", "--token", tokens["officer"])
    assert refused.returncode == 5

    registered = cli(
        demo_home, "guidance", "register", "--kind", "social_media", "--title", "Social media",
        "--version", "1.0", "--reference", "GUIDE/SM/1.0", "--binds", "officer,analyst",
        "--review-on", "2099-01-01", "--token", tokens["dpo"], "--json",
    )  # fmt: skip
    assert registered.returncode == 0, registered.stderr
    listed = json.loads(cli(demo_home, "guidance", "list", "--json").stdout)
    assert [(g["kind"], g["acknowledged"]) for g in listed] == [("social_media", 0)]
    document = json.loads(registered.stdout)["id"]
    read = cli(demo_home, "guidance", "acknowledge", document, "--token", tokens["officer"])
    assert read.returncode == 0, read.stderr
