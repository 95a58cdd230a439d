"""A lone name and date of birth among strangers' is weak where chance explains it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from listwarden.dlp.corpus import make_people
from listwarden.dlp.fingerprint import Fingerprint, Person
from listwarden.dlp.scanner import Finding, scan_paths

TODAY = date(2025, 6, 1)
REGISTER = make_people(400, seed=5, today=TODAY, common=0.0)
ROWS = REGISTER[:300]  # people whose family name and date of birth the strangers' list holds
TARGET = REGISTER[350]


def _row(person: Person, *, given: str | None = None, family: str | None = None) -> str:
    assert person.date_of_birth is not None
    return (
        f"{family or person.family_name},{given or person.given_name},"
        f"{person.date_of_birth:%d/%m/%Y},seen"
    )


def _scan(tmp_path: Path, rows: list[str], planted: list[str]) -> Finding:
    lines = rows[:150] + planted + rows[150:]
    (tmp_path / "list.csv").write_text("\n".join(lines) + "\n")
    [finding] = scan_paths([tmp_path], Fingerprint.build(REGISTER, today=TODAY)).findings
    return finding


def _near_misses() -> list[str]:
    """Strangers with the family name and date of birth of someone registered, another given
    name: the file's own measure of how often chance pairs a registered name with a date."""
    return [_row(p, given="Zebedee") for p in ROWS]


def test_a_lone_match_no_likelier_than_chance_is_a_possible_namesake(tmp_path: Path) -> None:
    finding = _scan(tmp_path, _near_misses(), [_row(TARGET)])
    assert finding.strong_people == ()
    assert TARGET.subject_id in finding.weak_people


def test_a_lone_match_where_chance_pairs_no_names_is_strong(tmp_path: Path) -> None:
    strangers = [_row(p, given="Zebedee", family="Xyloquist") for p in ROWS]
    finding = _scan(tmp_path, strangers, [_row(TARGET)])
    assert finding.strong_people == (TARGET.subject_id,)


def test_a_lone_match_with_an_identifier_is_strong_whatever_chance_says(tmp_path: Path) -> None:
    finding = _scan(tmp_path, _near_misses(), [f"{_row(TARGET)},{TARGET.identifiers[0]}"])
    assert finding.strong_people == (TARGET.subject_id,)


def test_people_matched_together_are_strong_among_any_number_of_near_misses(
    tmp_path: Path,
) -> None:
    listed = REGISTER[350:355]
    finding = _scan(tmp_path, _near_misses(), [_row(p) for p in listed])
    assert set(finding.strong_people) == {p.subject_id for p in listed}
