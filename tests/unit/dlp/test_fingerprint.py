"""The matcher: names in their written forms beside dates, nicknames and identifiers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listwarden.dlp.corpus import make_people, name_forms
from listwarden.dlp.dates import DateFinder, fold_bytes, written_forms
from listwarden.dlp.fingerprint import Fingerprint, Person
from listwarden.dlp.scanner import ScanOptions, Strength, scan_paths
from listwarden.dlp.sweep import MAX_SAME_NAME

TODAY = date(2025, 6, 1)
ZOE = Person(
    "S-1",
    "Zoë",
    "O'Brien-Mensah",
    nicknames=("Lil Spark",),
    date_of_birth=date(2004, 7, 9),
    addresses=("12 High Road, London N15 4RT",),
    identifiers=("04/123456X",),
)
OTHERS = make_people(200, seed=3, today=TODAY)


def _people(fingerprint: Fingerprint, text: str, *, deep: bool = False) -> dict[str, set[str]]:
    found = fingerprint.match(text.encode(), deep=deep)
    return {fingerprint.subject_id(i): kinds for i, kinds in found.people.items()}


@pytest.fixture(scope="module")
def fingerprint() -> Fingerprint:
    return Fingerprint.build([ZOE, *OTHERS], today=TODAY)


@pytest.mark.parametrize("name", name_forms(ZOE))
@pytest.mark.parametrize("day", written_forms(date(2004, 7, 9)))
def test_every_name_form_beside_every_date_form_is_strong(
    fingerprint: Fingerprint, name: str, day: str
) -> None:
    found = _people(fingerprint, f"ref 77,{name},{day},Tottenham\n", deep=True)
    assert {"name", "dob"} <= found["S-1"]


def test_a_record_card_puts_the_name_a_few_lines_above_the_date(fingerprint: Fingerprint) -> None:
    card = "Subject\nName: Zoe O'Brien-Mensah\nBorough: Haringey\nDOB: 09/07/2004\n"
    assert "dob" in _people(fingerprint, card)["S-1"]


def test_the_right_date_beside_someone_else_is_no_match(fingerprint: Fingerprint) -> None:
    assert "S-1" not in _people(fingerprint, "Zoe Mensah,09/07/2004\nSam Lee,10/07/2004\n")


def test_a_name_beside_a_nickname_or_identifier_is_strong_without_a_date(
    fingerprint: Fingerprint,
) -> None:
    assert {"name", "nickname"} <= _people(
        fingerprint, "Zoe O'Brien-Mensah aka Lil Spark", deep=True
    )["S-1"]
    assert {"name", "identifier"} <= _people(
        fingerprint, "O'BRIEN-MENSAH Z, PNC 04/123456X", deep=True
    )["S-1"]


def test_the_sweep_reads_names_in_other_scripts_and_beside_any_punctuation(
    fingerprint: Fingerprint,
) -> None:
    text = (
        "Note: \u201cZO\u00cb O\u2019BRIEN-MENSAH\u201d \u2014 \u00abLil Spark\u00bb"
        " \u2014 \u0436\u0438\u043b"
    )
    assert {"name", "nickname"} <= _people(fingerprint, text, deep=True)["S-1"]
    assert _people(fingerprint, "Zoe O'Brien-Mensahova and Lil Sparkle", deep=True) == {}


def test_a_name_alone_is_found_only_by_the_deep_sweep(fingerprint: Fingerprint) -> None:
    text = "Thanks to Zoe O'Brien-Mensah for the cakes."
    assert _people(fingerprint, text, deep=True) == {"S-1": {"name"}}
    assert _people(fingerprint, text, deep=False) == {}


def test_a_name_shared_by_many_people_is_counted_not_attributed() -> None:
    twins = [
        Person(f"T-{i}", "John", "Smith", date_of_birth=date(1990, 1, i + 1))
        for i in range(MAX_SAME_NAME + 1)
    ]
    found = Fingerprint.build(twins, today=TODAY).match(b"John Smith called.", deep=True)
    assert found.people == {}
    assert found.ambiguous == 1


def test_an_address_is_evidence_but_not_enough_for_a_strong_match(tmp_path: Path) -> None:
    (tmp_path / "note.txt").write_text("Zoe O'Brien-Mensah lives at N15 4RT.")
    fingerprint = Fingerprint.build([ZOE], today=TODAY)
    [finding] = scan_paths([tmp_path], fingerprint).findings
    assert finding.strength is Strength.WEAK
    assert finding.weak_people == ("S-1",)


def test_a_match_across_a_chunk_boundary_is_found(tmp_path: Path) -> None:
    filler = "lorem ipsum dolor sit amet, consectetur adipiscing\n" * 2000
    chunk = 16_384
    record = "O'BRIEN-MENSAH, Zoe, 09.07.2004, Haringey\n"
    head = filler[: filler.rindex("\n", 0, chunk - 40) + 1]
    head += "-" * (chunk - 20 - len(head) - 1) + "\n"
    text = head + record + filler
    assert text.index(record) < chunk < text.index(record) + len(record)
    (tmp_path / "big.txt").write_text(text)
    options = ScanOptions(chunk_bytes=chunk, overlap=1024, deep="never")
    fingerprint = Fingerprint.build([ZOE, *OTHERS], today=TODAY)
    [finding] = scan_paths([tmp_path], fingerprint, options=options).findings
    assert finding.strong_people == ("S-1",)


def test_the_fingerprint_keeps_no_clear_trace_of_an_erased_person() -> None:
    gone = Person("S-9", "Quentin", "Falkirkson", date_of_birth=date(1999, 2, 3), erased=True)
    fingerprint = Fingerprint.build([gone, ZOE], today=TODAY, key=bytes(32))
    assert len(fingerprint) == 1
    assert fingerprint.dob_years[0] <= 1999  # the span of years covers the erased too
    assert "falkirkson" not in repr(vars(fingerprint)).casefold()
    found = fingerprint.match(b"FALKIRKSON, Quentin, 03/02/1999\n")
    assert found.people == {}
    assert len(found.erased) == 1


def test_one_word_cannot_stand_for_both_given_and_family_name() -> None:
    ali = Person("A-1", "Ali", "Ali", date_of_birth=date(2005, 6, 20))
    fingerprint = Fingerprint.build([ali, *OTHERS], today=TODAY)
    assert _people(fingerprint, "Morhams,Ali,20/06/2005,council\n") == {}
    assert "A-1" in _people(fingerprint, "ALI, Ali,20/06/2005,council\n")


def _scan_text(tmp_path: Path, text: str, options: ScanOptions) -> list[str]:
    (tmp_path / "notes.txt").write_text(text)
    fingerprint = Fingerprint.build([ZOE, *OTHERS], today=TODAY)
    findings = scan_paths([tmp_path], fingerprint, options=options).findings
    return [f"{f.strength}:{','.join(f.people)}" for f in findings]


FILLER = "the quarterly stock review is attached for the team\n" * 8000  # about 400 kB


def test_a_name_alone_is_looked_for_in_the_head_of_a_file_only(tmp_path: Path) -> None:
    late = FILLER + "Thanks to Zoe O'Brien-Mensah for the cakes.\n"
    assert _scan_text(tmp_path, late, ScanOptions()) == []
    assert _scan_text(tmp_path, late, ScanOptions(deep="always")) == ["weak:S-1"]
    assert _scan_text(tmp_path, late[-100:] + FILLER, ScanOptions()) == ["weak:S-1"]


def test_around_a_strong_match_every_form_is_looked_for(tmp_path: Path) -> None:
    spelled = OTHERS[:6]
    rows = [f"{p.given_name} {p.family_name}, born {p.date_of_birth:%-d %B %Y}" for p in spelled]
    block = "\n".join(["ZOE O'BRIEN-MENSAH, 2004-07-09", *rows]) + "\n"
    [result] = _scan_text(tmp_path, FILLER + block + FILLER, ScanOptions())
    assert result.startswith("strong:")
    assert set(result.removeprefix("strong:").split(",")) == {
        "S-1",
        *(p.subject_id for p in spelled),
    }


def test_a_list_hidden_among_other_people_is_searched_deep_around_it(tmp_path: Path) -> None:
    strangers = make_people(3000, seed=99, today=TODAY)  # not on the register
    rows = [f"{p.family_name},{p.given_name},{p.date_of_birth:%d/%m/%Y}" for p in strangers]
    spelled = OTHERS[10:14]
    block = ["ZOE O'BRIEN-MENSAH, 2004-07-09"]
    block += [f"{p.given_name} {p.family_name}, born {p.date_of_birth:%-d %B %Y}" for p in spelled]
    text = "\n".join(rows[:1500] + block + rows[1500:]) + "\n"
    [result] = _scan_text(tmp_path, FILLER + text, ScanOptions())
    assert {"S-1", *(p.subject_id for p in spelled)} <= set(result.split(":")[1].split(","))


def test_row_tags_are_taken_beside_the_people_found_not_across_the_whole_file(
    fingerprint: Fingerprint, tmp_path: Path
) -> None:
    beside, far = "9f3a6c1d2e4b5a70" * 2, "0b1c2d3e4f5a6b7c" * 2
    filler = "Minutes of the ward panel: parking, litter and street lights.\n" * 2_000
    text = (
        filler
        + f"{beside},Zoë O'Brien-Mensah,09/07/2004,amber\n"
        + filler * 2
        + f"stock ref {far} returned\n"
    )
    (tmp_path / "fragment.csv").write_text(text, encoding="utf-8")
    [finding] = scan_paths([tmp_path], fingerprint).findings
    assert finding.strength is Strength.STRONG
    assert beside in finding.tags
    assert far not in finding.tags


@pytest.mark.parametrize(
    ("written", "found"),
    [
        ("25/02/1999", True),
        ("02/25/1999", True),  # the American reading, the only one a 25th month allows
        ("1999-02-25", True),
        ("1999/02/25", True),
        ("25/02/1998", False),
        ("24/02/1999", False),
        ("125/02/1999", False),
        ("25/02/19990", False),
    ],
)
def test_whole_dates_are_looked_up_without_parsing_and_still_found(
    written: str, found: bool
) -> None:
    quill = Person("S-Q", "Quill", "Vantorrow", date_of_birth=date(1999, 2, 25))
    matcher = Fingerprint.build([quill, *OTHERS], today=TODAY)
    people = _people(matcher, f"intel log\nVANTORROW, Quill\t{written}\tseen\n")
    assert ("S-Q" in people and "dob" in people["S-Q"]) is found


def test_a_whole_date_at_the_very_end_of_the_text_is_found() -> None:
    quill = Person("S-Q", "Quill", "Vantorrow", date_of_birth=date(1999, 2, 25))
    matcher = Fingerprint.build([quill, *OTHERS], today=TODAY)
    assert "dob" in _people(matcher, "VANTORROW, Quill, 25-FEB-1999")["S-Q"]
    assert "dob" in _people(matcher, "VANTORROW, Quill, 1999.2.25")["S-Q"]


_MONTH_WORDS = ("jan", "Feb", "MAR", "june", "July", "Sept", "sep", "dec", "xyz")


@settings(max_examples=300, deadline=None)
@given(
    first=st.integers(0, 32),
    middle=st.one_of(st.integers(0, 13), st.sampled_from(_MONTH_WORDS)),
    year=st.integers(1981, 2009),
    separators=st.tuples(st.sampled_from("/.-"), st.sampled_from("/.-")),
    padded=st.booleans(),
    iso=st.booleans(),
)
def test_a_whole_date_is_looked_up_as_the_parser_would_read_it(
    first: int, middle: int | str, year: int, separators: tuple[str, str], padded: bool, iso: bool
) -> None:
    """The fast pass looks whole dates up in a table of the registered days' written shapes
    instead of parsing them: it must find exactly the day the parser reads, in every shape."""
    day = f"{first:02d}" if padded else str(first)
    month = middle if isinstance(middle, str) else f"{middle:02d}" if padded else str(middle)
    before, after = separators
    text = f"{year}{before}{month}{after}{day}" if iso else f"{day}{before}{month}{after}{year}"
    parser = DateFinder(first_year=1900, last_year=TODAY.year, today=TODAY)
    readings = parser.readings_of(fold_bytes(text.encode()))
    born = date.fromordinal(readings[0]) if readings else date(1995, 5, 5)
    quill = Person("S-Q", "Quill", "Vantorrow", date_of_birth=born)
    matcher = Fingerprint.build([quill], today=TODAY, dob_years=(1900, TODAY.year))
    found = matcher.match(f"VANTORROW, Quill,{text},seen\n".encode(), escalate=False)
    named = {matcher.subject_id(i) for i, kinds in found.people.items() if "dob" in kinds}
    assert ("S-Q" in named) is bool(readings)


def test_a_family_name_with_a_digit_is_found_beside_its_date_of_birth() -> None:
    """The date's line is split into words without digits only while no key holds one."""
    numbered = Person("S-N", "Quill", "Vantorrow2", date_of_birth=date(1999, 2, 25))
    matcher = Fingerprint.build([numbered, *OTHERS], today=TODAY)
    found = _people(matcher, "VANTORROW2, Quill, 25/02/1999, seen\n")
    assert {"name", "dob"} <= found["S-N"]


@pytest.mark.parametrize(
    "row",
    [
        "MÜLLER-VANTORROW, Zoë, 25/02/1999, seen",
        "Muller Vantorrow, Zoë, 25/02/1999, seen",
        "Zoë Müller\u2019Vantorrow,25.02.1999",
    ],
)
def test_a_line_outside_ascii_is_folded_before_its_names_are_looked_up(row: str) -> None:
    zoe = Person("S-M", "Zoe", "Müller-Vantorrow", date_of_birth=date(1999, 2, 25))
    matcher = Fingerprint.build([zoe, *OTHERS], today=TODAY)
    for encoding in ("utf-8", "cp1252"):
        found = matcher.match(f"intel log\n{row}\n".encode(encoding), escalate=False)
        assert {"name", "dob"} <= found.people[0], encoding


def test_a_near_miss_outside_ascii_is_counted() -> None:
    zoe = Person("S-M", "Zoe", "Müller", date_of_birth=date(1999, 2, 25))
    matcher = Fingerprint.build([zoe, *OTHERS], today=TODAY)
    found = matcher.match("MÜLLER, Chloé, 25/02/1999, seen\n".encode(), escalate=False)
    assert found.people == {}
    assert found.near_misses == 1
