"""Importing legacy borough spreadsheets on real databases: loaded, quarantined or refused."""

from __future__ import annotations

import csv
import json
import tomllib
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from listwarden.bootstrap import Register
from listwarden.demo.borough_sheet import (
    HEADER,
    MAPPING_TOML,
    expected_reasons,
    write_borough_file,
)
from listwarden.domain.errors import AccessDenied
from listwarden.domain.import_mapping import ColumnMapping, parse_mapping
from listwarden.domain.imports import MalformedFile
from listwarden.services.imports import import_file
from listwarden.services.retention import sweep
from listwarden.services.reviews import record_review
from listwarden.store.tables import (
    Entry,
    Event,
    ImportRun,
    IntelligenceItem,
    MonitoringRecord,
    QuarantineRow,
    Subject,
)
from tests.factories import Cast, add_person, authorised_list, make_cast

TABLES = (Subject, Entry, Event, IntelligenceItem, MonitoringRecord, ImportRun, QuarantineRow)


def mapping() -> ColumnMapping:
    return parse_mapping(tomllib.loads(MAPPING_TOML))


def snapshot(register: Register) -> list[int]:
    with register.uow.read_only() as session:
        return [session.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES]


def setup(register: Register) -> tuple[Cast, str]:
    cast = make_cast(register)
    return cast, authorised_list(register, cast)


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def good_row(n: int, **changes: str) -> dict[str, str]:
    row = {
        "Forename": f"Testgiven{n}",
        "Surname": f"Testfamily{n}",
        "DOB": "17/05/1998",
        "Category": "Gang nominal",
        "Borough": "Hackney",
        "Street names": "",
        "Address": "",
        "IAO approval": "",
        "MASH referral": "",
        "Intel 1 grading": "2B P",
        "Intel 1 source": "police",
        "Intel 1 ref": f"SRC-{n}",
        "Intel 1": "seen with the group",
        "Intel 1 date": "01/03/2026",
        "Intel 2 grading": "1A P",
        "Intel 2 source": "partner_agency",
        "Intel 2 ref": f"PA-{n}",
        "Intel 2": "partner report",
        "Intel 2 date": "02/03/2026",
    }
    row.update(changes)
    return row


def run_import(register: Register, cast: Cast, list_id: str, path: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    return import_file(
        uow=register.uow,
        actor=cast.iao,
        list_id=list_id,
        purpose="gang_violence_reduction",
        path=path,
        mapping=mapping(),
        **kwargs,  # type: ignore[arg-type]
    )


def test_each_quarantine_reason_is_recorded_with_its_row(
    register: Register, tmp_path: Path
) -> None:
    cast, matrix = setup(register)
    child = (register.uow.today() - timedelta(days=15 * 365)).strftime("%d/%m/%Y")
    cases: list[tuple[dict[str, str], list[str]]] = [
        (good_row(1), []),
        (good_row(2, Category=""), ["category-missing"]),
        (good_row(3, Category="victim"), ["category-not-on-list"]),
        (good_row(4, Category="offender"), ["category-invalid"]),
        (good_row(5, Borough="Atlantis"), ["borough-unknown"]),
        (good_row(6, DOB="1998-13-40"), ["date-unparseable"]),
        (good_row(7, **{"Intel 1 grading": "9Z Q"}), ["invalid-grading"]),
        (good_row(8, **{"Intel 2 ref": "SRC-8"}), ["single-source"]),
        (
            good_row(9, **{k: "" for k in HEADER if k.startswith("Intel 2")}),
            ["single-source"],
        ),
        (good_row(10, DOB=child), ["iao-approval-missing", "safeguarding-referral-missing"]),
        (good_row(11, DOB=child, **{"MASH referral": "MASH-11"}), ["iao-approval-missing"]),
        (
            good_row(12, DOB=child, **{"IAO approval": cast.officer.id, "MASH referral": "M-12"}),
            ["iao-approval-invalid"],
        ),
        (good_row(13, DOB=child, **{"IAO approval": cast.iao.id, "MASH referral": "M-13"}), []),
        (good_row(14, **{"Intel 1 source": "social media"}), ["social-media-checklist-missing"]),
        (good_row(1), ["duplicate-in-file"]),
        (good_row(15, Forename="", DOB="soon"), ["date-unparseable", "given-name-missing"]),
    ]
    path = write_rows(tmp_path / "borough.csv", [row for row, _ in cases])
    report = run_import(register, cast, matrix, path)
    assert report.rows == len(cases)
    assert report.loaded == 2
    assert report.quarantined == len(cases) - 2
    with register.uow.read_only() as session:
        held = {
            q.source_row: q
            for q in session.scalars(
                select(QuarantineRow).where(QuarantineRow.import_id == report.import_id)
            )
        }
    for n, (_, reasons) in enumerate(cases, start=2):  # the header is row 1
        assert (held[n].reasons if n in held else []) == sorted(reasons), n
    quarantined = held[3]
    opened = json.loads(
        register.uow.cipher.open_quarantine(
            quarantined.import_id, quarantined.id, "row", quarantined.row_ct
        )
    )
    assert opened["cells"]["Forename"] == "Testgiven2"
    assert opened["reasons"][0]["code"] == "category-missing"
    assert b"Testgiven2" not in quarantined.row_ct


def test_imported_entries_are_legacy_unreviewed_and_due_for_review_within_30_days(
    register: Register, tmp_path: Path
) -> None:
    cast, matrix = setup(register)
    report = run_import(register, cast, matrix, write_rows(tmp_path / "b.csv", [good_row(1)]))
    today = register.uow.today()
    assert report.review_due_on == today + timedelta(days=30)
    with register.uow.read_only() as session:
        entry = session.scalars(select(Entry).where(Entry.import_id == report.import_id)).one()
        assert entry.legacy_unreviewed
        assert entry.next_review_on <= today + timedelta(days=30)
        assert (
            session.scalar(
                select(func.count())
                .select_from(IntelligenceItem)
                .where(IntelligenceItem.entry_id == entry.id)
            )
            == 2
        )
        operations = Counter(session.scalars(select(Event.operation)))
    assert operations["list:import"] == 1
    assert operations["entry:collect"] == 1
    added = add_person(register, cast, matrix, n=99)
    with register.uow.read_only() as session:
        assert session.get(Entry, added).legacy_unreviewed is False  # type: ignore[union-attr]


def test_people_are_matched_by_the_blind_index(register: Register, tmp_path: Path) -> None:
    cast, matrix = setup(register)
    victims = authorised_list(
        register, cast, name="Victims", purposes=("victim_safeguarding",), categories=("victim",)
    )
    add_person(register, cast, victims, n=1, category="victim", purpose="victim_safeguarding")
    add_person(register, cast, matrix, n=2)
    path = write_rows(tmp_path / "b.csv", [good_row(1), good_row(2), good_row(3)])
    report = run_import(register, cast, matrix, path)
    assert (report.loaded, report.matched_existing_people) == (2, 1)
    assert report.reasons == {"already-on-list": 1}
    with register.uow.read_only() as session:
        assert session.scalar(select(func.count()).select_from(Subject)) == 3


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".ods"])
def test_a_generated_borough_spreadsheet_with_planted_problems(
    register: Register, tmp_path: Path, suffix: str
) -> None:
    cast, matrix = setup(register)
    path = tmp_path / f"borough{suffix}"
    kinds = write_borough_file(path, 1_200, today=register.uow.today(), iao_id=cast.iao.id)
    seen: list[tuple[int, int]] = []
    report = run_import(
        register, cast, matrix, path, batch_size=250, progress=lambda d, t: seen.append((d, t))
    )
    planted = sum(1 for k in kinds if k)
    assert report.rows == 1_200
    assert report.quarantined == planted
    assert report.loaded == 1_200 - planted
    assert Counter(report.reasons) == expected_reasons(kinds)
    assert seen[-1] == (1_200, 1_200)
    assert len(seen) == 5
    with register.uow.read_only() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Entry).where(Entry.legacy_unreviewed.is_(True))
            )
            == report.loaded
        )
        assert session.scalar(select(func.count()).select_from(QuarantineRow)) == planted
        children = session.scalar(
            select(func.count()).select_from(Entry).where(Entry.child_at_entry.is_(True))
        )
        assert children


def test_a_dry_run_writes_nothing_and_reports_the_same(register: Register, tmp_path: Path) -> None:
    cast, matrix = setup(register)
    path = tmp_path / "borough.csv"
    kinds = write_borough_file(path, 300, today=register.uow.today(), iao_id=cast.iao.id)
    before = snapshot(register)
    report = run_import(register, cast, matrix, path, dry_run=True, batch_size=70)
    assert snapshot(register) == before
    assert Counter(report.reasons) == expected_reasons(kinds)
    assert report.import_id is None


@pytest.mark.parametrize(
    ("content", "row", "column"),
    [
        ("{header}\n{good}\n{good2}\nonly,three,cells\n", 4, 4),
        ('{header}\n{good}\n"unterminated,{good2}\n', 3, None),
        ("Forename,Surname\nA,B\n", 1, None),
    ],
)
def test_a_malformed_file_is_refused_whole_and_leaves_the_database_untouched(
    register: Register, tmp_path: Path, content: str, row: int, column: int | None
) -> None:
    cast, matrix = setup(register)
    keys_before = register.keystore.kek_usage()
    before = snapshot(register)
    good = ",".join(good_row(1).values())
    good2 = ",".join(good_row(2).values())
    path = tmp_path / "broken.csv"
    path.write_text(content.format(header=",".join(HEADER), good=good, good2=good2))
    with pytest.raises(MalformedFile) as refused:
        run_import(register, cast, matrix, path)
    assert (refused.value.row, refused.value.column) == (row, column)
    assert refused.value.reasons[0].field == (
        f"row {row}" + (f", column {chr(64 + column)}" if column else "")
    )
    assert snapshot(register) == before
    assert register.keystore.kek_usage() == keys_before


def test_a_failure_late_in_the_file_rolls_back_every_batch(
    register: Register, tmp_path: Path
) -> None:
    """The shape check reads to the end before anything is written: row 900 stops it all."""
    cast, matrix = setup(register)
    path = tmp_path / "borough.csv"
    write_borough_file(path, 1_000, today=register.uow.today(), iao_id=cast.iao.id)
    lines = path.read_text().splitlines()
    lines[900] = lines[900] + ",extra"
    path.write_text("\n".join(lines) + "\n")
    before = snapshot(register)
    with pytest.raises(MalformedFile) as refused:
        run_import(register, cast, matrix, path, batch_size=100)
    assert refused.value.row == 901
    assert snapshot(register) == before


def test_an_unreadable_spreadsheet_is_refused(register: Register, tmp_path: Path) -> None:
    cast, matrix = setup(register)
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"not a workbook")
    before = snapshot(register)
    with pytest.raises(MalformedFile) as refused:
        run_import(register, cast, matrix, path)
    assert refused.value.row == 1
    assert snapshot(register) == before


def test_quarantine_is_erased_after_30_days_by_the_retention_sweep(
    register: Register, tmp_path: Path
) -> None:
    cast, matrix = setup(register)
    path = write_rows(tmp_path / "b.csv", [good_row(1), good_row(2, Category="")])
    report = run_import(register, cast, matrix, path)
    assert sweep(uow=register.uow).quarantines_erased == 0
    with register.uow.read_only() as session:
        row = session.scalars(select(QuarantineRow)).one()
    later = register.uow.today() + timedelta(days=30)
    assert sweep(uow=register.uow, today=later, dry_run=True).quarantines_erased == 1
    assert snapshot(register)[-1] == 1
    assert sweep(uow=register.uow, today=later).quarantines_erased == 1
    with register.uow.read_only() as session:
        assert session.scalar(select(func.count()).select_from(QuarantineRow)) == 0
        run = session.get(ImportRun, report.import_id)
        assert run is not None
        assert run.quarantine_erased_at is not None
        assert "quarantine:erase" in set(session.scalars(select(Event.operation)))
    with pytest.raises(Exception):  # noqa: B017, PT011 - the key is gone: nothing opens it
        register.uow.cipher.open_quarantine(row.import_id, row.id, "row", row.row_ct)


def test_a_list_that_is_not_authorised_takes_no_import(register: Register, tmp_path: Path) -> None:
    from listwarden.domain.errors import ListNotAuthorised
    from tests.factories import draft_list

    cast = make_cast(register)
    draft = draft_list(register, cast)
    before = snapshot(register)
    with pytest.raises(ListNotAuthorised):
        run_import(register, cast, draft, write_rows(tmp_path / "b.csv", [good_row(1)]))
    assert snapshot(register) == before


def test_a_review_ends_legacy_status(register: Register, tmp_path: Path) -> None:
    cast, matrix = setup(register)
    report = run_import(register, cast, matrix, write_rows(tmp_path / "b.csv", [good_row(1)]))
    with register.uow.read_only() as session:
        entry_id = session.scalars(
            select(Entry.id).where(Entry.import_id == report.import_id)
        ).one()
    record_review(
        uow=register.uow,
        actor=cast.iao,
        entry_id=entry_id,
        purpose="gang_violence_reduction",
        outcome="retain",
        nrac=["serious_harm"],
        rationale="reviewed against the framework",
    )
    with register.uow.read_only() as session:
        entry = session.get(Entry, entry_id)
        assert entry is not None
        assert entry.legacy_unreviewed is False


def test_an_imported_entry_is_not_disclosed_until_reviewed(
    register: Register, tmp_path: Path
) -> None:
    from listwarden.domain.sharing import SharingNotPermitted
    from listwarden.services.disclosures import request_disclosure
    from tests.sharing_world import sharing_world

    world = sharing_world(register)
    path = write_rows(tmp_path / "b.csv", [good_row(50)])
    report = run_import(register, world.cast, world.matrix, path)
    with register.uow.read_only() as session:
        imported = session.scalars(
            select(Entry.id).where(Entry.import_id == report.import_id)
        ).one()
    with pytest.raises(SharingNotPermitted) as refused:
        request_disclosure(
            uow=register.uow, actor=world.cast.analyst, ask=world.ask([*world.entries, imported])
        )
    assert {(r.code, r.field) for r in refused.value.reasons} >= {
        ("legacy-unreviewed", f"entries.{imported}")
    }
    assert all(r.field == f"entries.{imported}" for r in refused.value.reasons)


def test_quarantined_rows_are_exported_fixed_and_imported_again(
    register: Register, tmp_path: Path
) -> None:
    from listwarden.services.quarantine import export_quarantine

    cast, matrix = setup(register)
    rows = [good_row(1), good_row(2, Category=""), good_row(3, Borough="Atlantis")]
    report = run_import(register, cast, matrix, write_rows(tmp_path / "b.csv", rows))
    assert report.import_id is not None
    with pytest.raises(AccessDenied):
        export_quarantine(uow=register.uow, actor=cast.officer, import_id=report.import_id)
    header, held = export_quarantine(uow=register.uow, actor=cast.iao, import_id=report.import_id)
    assert header == [*HEADER, "quarantine reasons"]
    assert [r[-1] for r in held] == ["category-missing (category)", "borough-unknown (borough)"]
    fixed = [dict(zip(HEADER, r[:-1], strict=True)) for r in held]
    fixed[0]["Category"], fixed[1]["Borough"] = "Gang nominal", "Hackney"
    again = run_import(register, cast, matrix, write_rows(tmp_path / "fixed.csv", fixed))
    assert (again.loaded, again.quarantined) == (2, 0)
    with register.uow.read_only() as session:
        logged = session.scalars(select(Event).where(Event.operation == "quarantine:read")).all()
    assert [e.result_count for e in logged] == [2]


def test_a_row_the_row_check_passes_passes_collection_s_own_check_to_the_same_values(
    register: Register, tmp_path: Path
) -> None:
    """The import checks each row once (``RowChecker``) and writes from what it found; every
    such person, given to collection's own check as one person at a time, is accepted and
    held with the same values, index and intelligence."""
    from listwarden.domain.imports import RowChecker, locate_columns
    from listwarden.ingest.readers import open_reader
    from listwarden.services.entries import NewEntry, NewIntelligence, prepare_entry
    from listwarden.services.imports import list_rules, prepare_imported
    from listwarden.services.lists import get_list

    cast, matrix = setup(register)
    path = tmp_path / "borough.csv"
    kinds = write_borough_file(path, 600, today=register.uow.today(), iao_id=cast.iao.id)
    reader, columns = open_reader(path), mapping()
    positions = locate_columns(reader.header(), columns)
    with register.uow.read_only() as session:
        register_list = get_list(session, matrix)
        session.expunge(register_list)
    checker = RowChecker(
        positions, mapping=columns, rules=list_rules(register_list), today=register.uow.today()
    )
    passed = 0
    for number, cells in reader.rows():
        verdict = checker.check(number, cells)
        if verdict.person is None:
            continue
        person, passed = verdict.person, passed + 1
        item = NewEntry(
            given_name=person.given_name,
            family_name=person.family_name,
            date_of_birth=person.date_of_birth,
            category=person.category.value,
            bcu=person.bcu,
            nicknames=person.nicknames,
            address=person.address,
            iao_approval_by=person.iao_approval_by,
            safeguarding_referral=person.safeguarding_referral,
            intelligence=[
                NewIntelligence(
                    grading=i.grading.code,
                    handling_conditions=i.grading.conditions,
                    source_type=i.source_type.value,
                    source_ref=i.source_ref,
                    text=i.text,
                    reported_on=i.reported_on,
                )
                for i in person.intelligence
            ],
        )
        collected = prepare_entry(item, register_list=register_list, uow=register.uow)
        imported = prepare_imported(person, uow=register.uow, entry_id=collected.entry_id)
        assert imported == collected, number
    # A planted repeat passes the row check: the import finds it by its blind index.
    assert passed == sum(1 for k in kinds if k in (None, "duplicate"))


def test_an_imported_person_is_sealed_under_their_own_key_bound_to_each_row(
    register: Register, tmp_path: Path
) -> None:
    from listwarden.domain.errors import CiphertextTampered

    cast, matrix = setup(register)
    child = (register.uow.today() - timedelta(days=15 * 365)).strftime("%d/%m/%Y")
    rows = [
        good_row(1, **{"Street names": "Ace; Bee", "Address": "1 High Street"}),
        good_row(2, DOB=child, **{"IAO approval": cast.iao.id, "MASH referral": "MASH-2"}),
    ]
    report = run_import(register, cast, matrix, write_rows(tmp_path / "b.csv", rows))
    assert report.loaded == 2
    cipher = register.uow.cipher
    with register.uow.read_only() as session:
        entries = session.scalars(select(Entry).where(Entry.import_id == report.import_id)).all()
        people = {e.subject_id: session.get(Subject, e.subject_id) for e in entries}
        items = session.scalars(select(IntelligenceItem).order_by(IntelligenceItem.source_ref))
        intelligence = [(i.entry_id, i.id, i.source_ref, i.text_ct) for i in items]
    opened = {}
    for sid, subject in people.items():
        assert subject is not None
        fields = ("given_name", "family_name", "date_of_birth", "nicknames", "address")
        opened[sid] = {
            f: cipher.open(sid, "subjects", sid, f, blob)
            for f in fields
            if (blob := getattr(subject, f"{f}_ct")) is not None
        }
    by_name = {o["given_name"]: (sid, o) for sid, o in opened.items()}
    adult_id, adult = by_name["Testgiven1"]
    child_id, young = by_name["Testgiven2"]
    assert adult == {
        "given_name": "Testgiven1",
        "family_name": "Testfamily1",
        "date_of_birth": "1998-05-17",
        "nicknames": "Ace\nBee",
        "address": "1 High Street",
    }
    assert set(young) == {"given_name", "family_name", "date_of_birth"}
    child_entry = next(e for e in entries if e.subject_id == child_id)
    assert child_entry.child_at_entry
    assert child_entry.iao_approval_by == cast.iao.id
    assert child_entry.safeguarding_referral_ct is not None
    referral = cipher.open(
        child_id, "entries", child_entry.id, "safeguarding_referral",
        child_entry.safeguarding_referral_ct,
    )  # fmt: skip
    assert referral == "MASH-2"
    subject_of = {e.id: e.subject_id for e in entries}
    texts = {
        ref: cipher.open(subject_of[entry_id], "intelligence_items", item_id, "text", blob)
        for entry_id, item_id, ref, blob in intelligence
    }
    assert texts == {
        "PA-1": "partner report",
        "PA-2": "partner report",
        "SRC-1": "seen with the group",
        "SRC-2": "seen with the group",
    }
    # Each blob opens only in its own row, field and under its own person's key.
    adult_subject = people[adult_id]
    assert adult_subject is not None
    with pytest.raises(CiphertextTampered):
        cipher.open(adult_id, "subjects", adult_id, "family_name", adult_subject.given_name_ct)
    with pytest.raises(CiphertextTampered):
        cipher.open(child_id, "subjects", child_id, "given_name", adult_subject.given_name_ct)
    assert adult_subject.name_dob_index == register.uow.blind_index.name_dob(
        "Testgiven1", "Testfamily1", date(1998, 5, 17)
    )


def test_the_collector_is_quietened_only_while_an_import_runs(
    register: Register, tmp_path: Path
) -> None:
    import gc

    from listwarden.domain.errors import ListNotAuthorised
    from tests.factories import draft_list

    cast, matrix = setup(register)
    before = gc.get_threshold()
    during: list[tuple[int, tuple[int, int, int]]] = []
    path = write_rows(tmp_path / "b.csv", [good_row(1), good_row(2)])

    def progress(done: int, total: int) -> None:
        during.append((gc.get_freeze_count(), gc.get_threshold()))

    run_import(register, cast, matrix, path, batch_size=1, progress=progress)
    assert len(during) == 2
    for frozen, thresholds in during:
        assert frozen > 0
        assert thresholds == (max(before[0], 50_000), *before[1:])
    assert (gc.get_freeze_count(), gc.get_threshold()) == (0, before)
    with pytest.raises(ListNotAuthorised):  # refused inside the transaction: put back all the same
        run_import(register, cast, draft_list(register, cast, name="Draft"), path)
    assert (gc.get_freeze_count(), gc.get_threshold()) == (0, before)
    gc.freeze()  # frozen by someone else (a process about to fork): left frozen
    try:
        run_import(register, cast, matrix, write_rows(tmp_path / "c.csv", [good_row(3)]))
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == before
    finally:
        gc.unfreeze()
