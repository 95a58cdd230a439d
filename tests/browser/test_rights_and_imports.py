"""Subject rights for the IRU, importing a borough spreadsheet, and the report selectors.

The people asked about are demo people outside Central East, whose entries the other browser
tests do not use; the import brings new synthetic people onto the Matrix, after the journeys
that count entries have run (files run in name order).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from listwarden.demo.borough_sheet import MAPPING_TOML, expected_reasons, write_borough_file
from listwarden.demo.generator import MATRIX
from listwarden.domain.subject_rights import due_on
from listwarden.store.tables import (
    DisclosureEntryRow,
    Entry,
    IntelligenceItem,
    MonitoringRecord,
    Subject,
)
from listwarden.web.templating import humanise
from tests.browser.conftest import Demo, Visit


@dataclass(frozen=True)
class Person:
    entry_id: str
    subject_id: str
    given: str
    family: str
    born: date


def _person(demo: Demo, bcu: str, *, with_intelligence: bool) -> Person:
    """A demo person on the Matrix in ``bcu`` (with intelligence, if asked), by their names."""
    uow = demo.register.uow
    with uow.read_only() as session:
        query = select(Entry, Subject).join(Subject, Subject.id == Entry.subject_id)
        query = query.where(Entry.list_id == demo.summary.lists[MATRIX], Entry.bcu == bcu)
        if with_intelligence:
            query = query.where(Entry.id.in_(select(IntelligenceItem.entry_id).scalar_subquery()))
        entry, subject = session.execute(query.order_by(Entry.id.desc())).first()  # type: ignore[misc]
        sid = subject.id

        def opened(field: str) -> str:
            return uow.cipher.open(sid, "subjects", sid, field, getattr(subject, f"{field}_ct"))

        return Person(
            entry.id,
            sid,
            opened("given_name"),
            opened("family_name"),
            date.fromisoformat(opened("date_of_birth")),
        )


def _record(page: Page, kind: str, who: Person, *, confirmed: bool) -> None:
    page.goto("/subject-requests/new")
    page.get_by_label(kind, exact=True).check()
    page.get_by_label("Given name").fill(who.given)
    page.get_by_label("Family name").fill(who.family)
    dob = page.get_by_role("group", name="Date of birth")
    dob.get_by_label("Day").fill(str(who.born.day))
    dob.get_by_label("Month").fill(str(who.born.month))
    dob.get_by_label("Year").fill(str(who.born.year))
    page.get_by_label("identity checked?").fill("Passport seen")
    if confirmed:
        page.get_by_label("The identity is confirmed today (the clock starts)").check()
    page.get_by_role("button", name="Record the request").click()


def test_the_iru_records_an_access_request_runs_its_clock_and_answers_it_with_restrictions(
    visit: Visit, demo: Demo
) -> None:
    page = visit.page
    who = _person(demo, "NW", with_intelligence=True)
    visit.sign_in("iru")
    page.goto("/")
    page.get_by_test_id("tasks").get_by_role("link", name="Subject rights requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Subject rights requests")
    visit.check("rights-register")
    page.get_by_role("button", name="Record a request").click()
    page.get_by_role("button", name="Record the request").click()  # nothing filled in
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter the person's given name")
    expect(summary).to_contain_text("Say how the requester's identity is checked")
    visit.check("rights-new-errors")
    _record(page, "Access", who, confirmed=False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Access request")
    assert who.subject_id not in page.url
    assert who.family not in page.url
    summary_list = page.get_by_test_id("request-summary")
    expect(summary_list).to_contain_text("Not yet: the clock starts when the identity is confirmed")
    visit.check("rights-request")

    page.get_by_role("button", name="Confirm the identity today").click()
    expect(page.get_by_text("The identity is confirmed: the clock has started.")).to_be_visible()
    today = demo.register.uow.today()
    due = due_on(received_on=today, identity_confirmed_on=today)
    expect(summary_list).to_contain_text(due.strftime("%d %B %Y"))
    page.get_by_role("button", name="Stop the clock awaiting clarification").click()
    expect(summary_list).to_contain_text("Not running: the clock is stopped")
    page.get_by_role("button", name="Clarification received: resume the clock").click()
    expect(summary_list).to_contain_text("Running")

    page.get_by_role("button", name="Preview the response").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Preview the response")
    expect(page.get_by_test_id("person")).to_contain_text(who.family)
    visit.check("rights-preview")
    card = (
        page.get_by_test_id("items").locator(".govuk-summary-card").filter(has_text="Intelligence")
    )
    first = card.first
    heading = first.locator("h3").inner_text()
    first.get_by_label("Ground for withholding").select_option(
        label="Avoid prejudicing crime prevention"
    )
    first.get_by_label("is necessary").fill("An open investigation would be alerted")
    first.get_by_role("button", name="Withhold this item").click()
    expect(page.get_by_text("The item will be withheld from the response")).to_be_visible()
    withheld = summary_list.locator(".govuk-summary-list__row").filter(has_text="Items withheld")
    expect(withheld.locator("dd")).to_have_text("1")

    page.get_by_role("button", name="Compile and send the response").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The response")
    expect(page.get_by_test_id("response-person")).to_contain_text(who.given)
    expect(page.get_by_test_id("response-restrictions")).to_contain_text(
        "Avoid prejudicing crime prevention"
    )
    expect(page.get_by_test_id("response-entries")).to_contain_text("identity withheld")
    assert heading.split()[-1] not in page.get_by_test_id("response-entries").inner_text()
    visit.check("rights-response")
    with page.expect_download() as pdf:
        page.get_by_role("button", name="Download as PDF").click()
    assert pdf.value.path().read_bytes().startswith(b"%PDF")
    with page.expect_download() as saved:
        page.get_by_role("button", name="Download as JSON").click()
    document = json.loads(saved.value.path().read_text())
    assert document["person"]["family_name"] == who.family
    with demo.register.uow.read_only() as session:
        monitored = session.scalars(
            select(MonitoringRecord.id).where(MonitoringRecord.subject_id == who.subject_id)
        ).all()
    assert len(monitored) == 1  # the demo monitors everyone it lists
    assert document["monitoring"]["ethnicity_as_you_defined_it"]
    expect(page.get_by_test_id("response-monitoring")).to_contain_text(
        humanise(document["monitoring"]["ethnicity_as_you_defined_it"])
    )
    assert document["restrictions"] == [
        {"withheld": "intelligence", "ground": "avoid_prejudicing_crime_prevention"}
    ]
    iru = demo.user_id("iru")
    reads = demo.events("entry:consult", entry_id=who.entry_id, actor_id=iru)
    assert len(reads) == 4  # the preview, the answer and two downloads, each logged
    assert {e.purpose for e in reads} == {"subject_access"}
    page.goto("/subject-requests")
    expect(page.get_by_test_id("requests")).to_contain_text("Answered")


def test_a_restriction_request_is_decided_with_a_reason_and_applied(
    visit: Visit, demo: Demo
) -> None:
    page = visit.page
    who = _person(demo, "SE", with_intelligence=False)
    visit.sign_in("iru")
    _record(page, "Restriction", who, confirmed=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Restriction request")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose whether to grant or refuse")
    visit.check("rights-decision-errors")
    page.get_by_label("Grant and apply it").check()
    page.get_by_label("The reason for the decision").fill("The accuracy of the record is contested")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Granted and applied")
    with demo.register.uow.read_only() as session:
        held = session.scalars(select(Entry).where(Entry.subject_id == who.subject_id)).all()
        sent = session.scalars(
            select(DisclosureEntryRow.entry_id).where(
                DisclosureEntryRow.entry_id.in_([e.id for e in held])
            )
        ).all()
    assert {e.restricted_on for e in held} == {demo.register.uow.today()}
    changed = f"{len(held)} {'entry' if len(held) == 1 else 'entries'} changed."
    expect(page.get_by_test_id("decided")).to_contain_text(changed)
    expect(page.get_by_test_id("decided")).to_contain_text(f"{len(sent)} recipient notice")
    visit.check("rights-decided")


def test_an_access_request_answered_neither_confirming_nor_denying(
    visit: Visit, demo: Demo
) -> None:
    page = visit.page
    who = _person(demo, "NE", with_intelligence=False)
    visit.sign_in("iru")
    _record(page, "Access", who, confirmed=True)
    page.get_by_role("button", name="Extend the request").click()  # without its reason
    expect(page.get_by_role("alert")).to_contain_text("Say why the request is complex")
    visit.check("rights-extend-error")
    page.get_by_label("Why neither confirm nor deny").fill("An investigation would be alerted")
    page.get_by_role("button", name="Neither confirm nor deny").click()
    expect(page.get_by_text("answered neither confirming nor denying")).to_be_visible()
    page.get_by_role("button", name="Compile and send the response").click()
    expect(page.get_by_test_id("statement")).to_contain_text("neither confirm nor deny")
    expect(page.get_by_test_id("response-person")).to_have_count(0)
    assert who.family not in page.content()
    visit.check("rights-ncnd")


def test_a_request_is_recorded_without_javascript(visit_without_js: Visit, demo: Demo) -> None:
    page = visit_without_js.page
    who = _person(demo, "SW", with_intelligence=False)
    visit_without_js.sign_in("iru")
    _record(page, "Rectification", who, confirmed=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Rectification request")
    expect(page.get_by_test_id("request-summary")).to_contain_text("Running")
    visit_without_js.check("rights-request-no-js")


def test_other_roles_do_not_see_the_rights_pages(visit: Visit) -> None:
    page = visit.page
    visit.sign_in("officer")
    page.goto("/subject-requests")
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot do this")
    nav = page.get_by_role("navigation", name="Pages")
    expect(nav.get_by_role("link", name="Rights requests")).to_have_count(0)


def test_the_iao_imports_a_borough_spreadsheet_dry_run_first_then_its_quarantine(
    visit: Visit, demo: Demo, tmp_path: Path
) -> None:
    page = visit.page
    sheet = tmp_path / "hackney-matrix.csv"
    kinds = write_borough_file(
        sheet,
        80,
        today=demo.register.uow.today(),
        iao_id=demo.user_id("iao"),
        seed=41,
        problem_every=5,
    )
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING_TOML)
    visit.sign_in("iao")
    page.goto("/")
    page.get_by_test_id("tasks").get_by_role("link", name="Import a legacy list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a legacy list")
    visit.check("import")
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose the file to import")
    visit.check("import-errors")

    def upload(mode: str) -> None:
        page.get_by_label("List", exact=True).select_option(label=MATRIX)
        page.get_by_label("The spreadsheet").set_input_files(str(sheet))
        page.get_by_label("The column mapping file").set_input_files(str(mapping))
        page.get_by_label(mode).check()
        page.get_by_role("button", name="Upload and check").click()

    upload("Dry run: check every row and write nothing")
    report = page.get_by_test_id("report")
    expect(report).to_contain_text("Dry run: nothing was written")
    expect(report).to_contain_text("80 rows read from hackney-matrix.csv")
    quarantined = sum(1 for k in kinds if k)
    expect(page.get_by_test_id("quarantined")).to_contain_text(f"{quarantined} would be")
    for code in expected_reasons(kinds):
        expect(page.get_by_test_id("reasons")).to_contain_text(code.replace("-", " ")[1:])
    visit.check("import-dry-run")
    upload("Import")
    expect(report).to_contain_text("Imported")
    expect(page.get_by_test_id("loaded")).to_contain_text(f"{80 - quarantined} were loaded")
    expect(report).to_contain_text("The source file can now be scanned for and destroyed")
    row = page.get_by_test_id("imports").locator("tbody tr").filter(has_text="hackney-matrix.csv")
    expect(row).to_contain_text(str(quarantined))
    visit.check("import-done")
    with page.expect_download() as download:
        row.get_by_role("button", name="Download").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text())))
    assert rows[0][-1] == "quarantine reasons"
    assert len(rows) == 1 + quarantined
    assert len(demo.events("quarantine:read", actor_id=demo.user_id("iao"))) == 1


@pytest.mark.parametrize("role", ["dpo"])
def test_the_compliance_dashboard_is_filtered_by_bcu(visit: Visit, role: str) -> None:
    page = visit.page
    visit.sign_in(role)
    page.goto("/compliance")
    expect(page.get_by_test_id("scope")).to_have_text("Showing the whole force.")
    page.get_by_label("BCU").select_option(label="Central East")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("scope")).to_have_text("Showing Central East.")
    assert page.url.endswith("/compliance?bcu=CE")
    expect(page.get_by_label("BCU")).to_have_value("CE")
    expect(page.get_by_test_id("laws").locator("tbody tr")).to_have_count(12)
    visit.check("compliance-bcu")


def test_the_equality_dashboard_is_filtered_by_bcu_list_and_basis(
    visit: Visit, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.browser.test_oversight import CENSUS

    monkeypatch.setenv("LISTWARDEN_CENSUS_BASELINE", str(CENSUS))
    page = visit.page
    visit.sign_in("equality_analyst")
    page.goto("/equality")
    whole = page.get_by_test_id("rates").locator("caption").inner_text()
    selector = page.get_by_test_id("selector")
    selector.get_by_label("BCU").select_option(label="Central East")
    selector.get_by_label("List").select_option(label=MATRIX)
    selector.get_by_label("Basis").select_option(label="Identity code")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("scope")).to_contain_text(
        f"Showing Central East, {MATRIX}, by identity code."
    )
    with demo.register.uow.read_only() as session:
        listed = session.scalars(
            select(Entry.id).where(Entry.list_id == demo.summary.lists[MATRIX], Entry.bcu == "CE")
        ).all()
    expect(page.get_by_test_id("rates").locator("caption")).to_have_text(
        f"{len(listed)} people listed, by ethnic group"
    )
    assert page.get_by_test_id("rates").locator("caption").inner_text() != whole
    expect(page.get_by_test_id("rates")).to_contain_text("Unknown")
    visit.check("equality-filtered")
