"""Law 11 on both databases: a scan finds planted copies, stores identifiers only, logs itself."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from listwarden.bootstrap import Register
from listwarden.dlp.writers import write_xlsx
from listwarden.domain.errors import AccessDenied, InvalidInput
from listwarden.domain.vocabulary import Operation
from listwarden.services.compliance_facts import gather_facts
from listwarden.services.entries import NewEntry, add_entry
from listwarden.services.loss_detection import (
    justify_finding,
    open_findings,
    scan_paths,
)
from listwarden.store.dlp_tables import LossFinding
from listwarden.store.tables import Event
from tests.factories import Cast, authorised_list, make_cast

PEOPLE = [
    ("Jermaine", "Okonkwo", date(2001, 3, 14)),
    ("Tyrell", "Abernathy", date(1999, 11, 2)),
    ("Kwabena", "Ashdown", date(2003, 7, 29)),
    ("Dwayne", "Fairweather", date(2000, 1, 8)),
    ("Marcus", "Ellingham", date(1998, 9, 21)),
    ("Rhys", "Blackwood", date(2002, 4, 5)),
]


def _populate(register: Register) -> tuple[Cast, dict[str, str]]:
    cast = make_cast(register)
    list_id = authorised_list(register, cast)
    ids = {}
    for given, family, born in PEOPLE:
        entry_id = add_entry(
            uow=register.uow,
            actor=cast.iao,
            list_id=list_id,
            purpose="gang_violence_reduction",
            item=NewEntry(
                given_name=given,
                family_name=family,
                date_of_birth=born,
                category="suspected",
                bcu="CE",
            ),
        )
        ids[family] = entry_id
    return cast, ids


def _planted(folder: Path) -> tuple[Path, Path, Path, Path]:
    folder.mkdir()
    csv_copy = folder / "my list.csv"
    csv_copy.write_text(
        "name,dob,notes\n"
        + "".join(f"{g} {f},{b:%d/%m/%Y},seen at the park\n" for g, f, b in PEOPLE),
        encoding="utf-8",
    )
    sheet = folder / "borough.xlsx"
    rows = [["Surname", "Forename", "DOB"]] + [[f.upper(), g, b] for g, f, b in PEOPLE]
    write_xlsx(sheet, {"Sheet1": rows})
    clean = folder / "minutes.txt"
    clean.write_text("Minutes of the ward panel: parking, litter, street lights.\n" * 50)
    broken = folder / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not really a workbook" + bytes(range(256)))
    return csv_copy, sheet, clean, broken


def test_a_scan_finds_planted_copies_and_skips_what_it_cannot_read(
    register: Register, tmp_path: Path
) -> None:
    cast, _ = _populate(register)
    _csv_copy, _sheet, _clean, _broken = _planted(tmp_path / "drive")
    seen: list[int] = []

    outcome = scan_paths(
        uow=register.uow,
        actor=cast.dpo,
        paths=[tmp_path / "drive"],
        progress=lambda p: seen.append(p.files_done),
    )

    by_path = {Path(f.path).name: f for f in outcome.findings}
    assert seen == [1, 2, 3, 4]
    assert set(by_path) == {"my list.csv", "borough.xlsx", "broken.xlsx"}  # clean: no finding
    for name in ("my list.csv", "borough.xlsx"):
        assert by_path[name].strength == "strong"
        assert by_path[name].informal_list
        assert len(by_path[name].strong_subject_ids) == len(PEOPLE)
    assert by_path["broken.xlsx"].problems
    assert by_path["broken.xlsx"].strength == "none"
    with register.uow.read_only() as session:
        stored = session.scalars(select(LossFinding)).all()
        event = session.scalars(
            select(Event).where(Event.operation == Operation.LOSS_SCAN.value)
        ).one()
    assert {s.id for s in stored} == {f.id for f in outcome.findings}
    assert all(s.status == "open" and s.found_by == cast.dpo.id for s in stored)
    assert event.actor_id == cast.dpo.id
    assert event.result_count == 3
    # Identifiers only: no name or date of birth of anyone found is held in the findings.
    held = json.dumps([[*vars(s).values()] for s in stored], default=str).lower()
    for given, family, born in PEOPLE:
        assert family.lower() not in held
        assert given.lower() not in held
        assert born.isoformat() not in held


def test_only_the_dpo_may_scan_and_a_refusal_is_logged(register: Register, tmp_path: Path) -> None:
    cast, _ = _populate(register)
    _planted(tmp_path / "drive")
    with pytest.raises(AccessDenied):
        scan_paths(uow=register.uow, actor=cast.officer, paths=[tmp_path / "drive"])
    with register.uow.read_only() as session:
        assert session.scalars(select(LossFinding)).all() == []
        refused = session.scalars(
            select(Event).where(Event.operation == Operation.REFUSED.value)
        ).all()
    assert any(e.actor_id == cast.officer.id for e in refused)


def test_a_missing_path_is_a_clear_error(register: Register, tmp_path: Path) -> None:
    cast, _ = _populate(register)
    with pytest.raises(InvalidInput, match="nothing to scan"):
        scan_paths(uow=register.uow, actor=cast.dpo, paths=[tmp_path / "nowhere"])


def test_a_rescan_keeps_one_finding_per_copy_and_closes_what_was_destroyed(
    register: Register, tmp_path: Path
) -> None:
    cast, _ = _populate(register)
    csv_copy, sheet, _clean, _broken = _planted(tmp_path / "drive")
    first = scan_paths(uow=register.uow, actor=cast.dpo, paths=[tmp_path / "drive"])
    ids = {Path(f.path).name: f.id for f in first.findings}

    again = scan_paths(uow=register.uow, actor=cast.dpo, paths=[tmp_path / "drive"])
    assert {Path(f.path).name: f.id for f in again.findings} == ids
    assert again.closed == []

    csv_copy.unlink()
    rows = [["Surname", "Forename", "DOB"]] + [[f, g, b] for g, f, b in PEOPLE[:3]]
    write_xlsx(sheet, {"Sheet1": rows})
    # A scan of another folder leaves the drive's findings alone.
    (tmp_path / "other").mkdir()
    assert scan_paths(uow=register.uow, actor=cast.dpo, paths=[tmp_path / "other"]).closed == []
    third = scan_paths(uow=register.uow, actor=cast.dpo, paths=[tmp_path / "drive"])

    assert sorted(third.closed) == sorted([ids["my list.csv"], ids["borough.xlsx"]])
    reopened = {Path(f.path).name: f for f in third.findings}
    assert reopened["borough.xlsx"].id != ids["borough.xlsx"]
    assert len(reopened["borough.xlsx"].strong_subject_ids) == 3
    assert reopened["broken.xlsx"].id == ids["broken.xlsx"]
    with register.uow.read_only() as session:
        status = {r.id: r.status for r in session.scalars(select(LossFinding))}
    assert status[ids["my list.csv"]] == "destroyed"
    assert status[ids["borough.xlsx"]] == "destroyed"
    still = {f.id for f in open_findings(uow=register.uow, actor=cast.dpo)}
    assert still == {reopened["borough.xlsx"].id, ids["broken.xlsx"]}


def test_the_dpo_closes_a_finding_as_justified_with_a_reason(
    register: Register, tmp_path: Path
) -> None:
    cast, _ = _populate(register)
    _planted(tmp_path / "drive")
    found = scan_paths(uow=register.uow, actor=cast.dpo, paths=[tmp_path / "drive"])
    target = found.findings[0].id

    with pytest.raises(AccessDenied):
        justify_finding(uow=register.uow, actor=cast.officer, finding_id=target, reason="mine")
    with pytest.raises(InvalidInput, match="only with a reason"):
        justify_finding(uow=register.uow, actor=cast.dpo, finding_id=target, reason="  ")
    justify_finding(
        uow=register.uow, actor=cast.dpo, finding_id=target, reason="court bundle, CPS held"
    )
    with pytest.raises(InvalidInput, match="already closed"):
        justify_finding(uow=register.uow, actor=cast.dpo, finding_id=target, reason="again")

    with register.uow.read_only() as session:
        row = session.get(LossFinding, target)
        assert row is not None
        events = session.scalars(
            select(Event).where(Event.operation == Operation.LOSS_JUSTIFY.value)
        ).all()
    assert row.status == "justified"
    assert row.close_reason == "court bundle, CPS held"
    assert row.closed_by == cast.dpo.id
    assert [e.actor_id for e in events] == [cast.dpo.id]
    assert target not in {f.id for f in open_findings(uow=register.uow, actor=cast.dpo)}
    # The same copy found again stays justified; it is not reported as a new finding.
    again = scan_paths(uow=register.uow, actor=cast.dpo, paths=[tmp_path / "drive"])
    assert target in {f.id for f in again.findings}
    assert target not in {f.id for f in open_findings(uow=register.uow, actor=cast.dpo)}
    assert len(open_findings(uow=register.uow, actor=cast.dpo)) == len(found.findings) - 1


def test_the_compliance_check_counts_open_copies_once_a_scan_has_run(
    register: Register, tmp_path: Path
) -> None:
    cast, _ = _populate(register)
    _planted(tmp_path / "drive")
    assert gather_facts(uow=register.uow, verify_log=False).open_loss_findings is None
    found = scan_paths(uow=register.uow, actor=cast.dpo, paths=[tmp_path / "drive"])
    copies = sorted(f.id for f in found.findings if f.strength != "none")
    assert len(copies) == 2  # the unreadable file is reported, but is not a copy found
    assert gather_facts(uow=register.uow, verify_log=False).open_loss_findings == tuple(copies)
    for finding_id in copies:
        justify_finding(uow=register.uow, actor=cast.dpo, finding_id=finding_id, reason="held")
    assert gather_facts(uow=register.uow, verify_log=False).open_loss_findings == ()
