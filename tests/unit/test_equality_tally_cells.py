"""The equality tally's cells: folding a birth month to "adult" never changes an age band on the
day folded or after, whatever the dates (Hypothesis)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from listwarden.domain.equality import AgeBand, age_band_from_birth_month
from listwarden.services.equality_tallies import (
    ADULT,
    NO_RECORD,
    Cell,
    ListTally,
    _decode,
    _encode,
    age_band_of,
    cell_of,
    folded_cell,
)

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
births = st.tuples(st.integers(min_value=1930, max_value=2100), st.integers(1, 12))


@given(birth=births, written=days, later=st.integers(min_value=0, max_value=40 * 366))
def test_a_cell_written_on_one_day_gives_the_age_band_of_any_later_day(
    birth: tuple[int, int], written: date, later: int
) -> None:
    year, month = birth
    month_text = f"{year:04d}-{month:02d}"
    cell = cell_of("suspected", "CE", None, (month_text, "IC3", "black_african"), written)
    report_day = written + timedelta(days=later)
    assert age_band_of(cell[3], report_day) == age_band_from_birth_month(year, month, report_day)
    # Folded only once they are adults on the day written, and then kept as adults.
    adult_then = age_band_from_birth_month(year, month, written) == AgeBand.ADULT
    assert (cell[3] == ADULT) == adult_then


@given(
    cells=st.lists(
        st.tuples(
            st.sampled_from(["suspected", "convicted"]),
            st.sampled_from(["CE", "SN"]),
            st.sampled_from([None, "red", "green"]),
            st.one_of(st.just(NO_RECORD), births.map(lambda b: f"{b[0]:04d}-{b[1]:02d}")),
            st.sampled_from(["IC1", "IC3", "IC9"]),
            st.sampled_from(["not_stated", "white_british"]),
            st.integers(min_value=1, max_value=50),
        ),
        max_size=30,
    ),
    first=days,
    second=days,
)
def test_folding_keeps_every_count_and_survives_the_sealed_form(
    cells: list[tuple[str, str, str | None, str, str, str, int]], first: date, second: date
) -> None:
    tally = ListTally("list-1")
    for *key, n in cells:
        tally.cells[folded_cell(tuple(key), date(1900, 1, 1))] += n  # type: ignore[arg-type]
    total, recorded = tally.counts()
    tally.fold(first)
    tally.fold(second)
    assert tally.counts() == (total, recorded)
    assert tally.folded_on == max(first, second)
    assert tally.answers_for(max(first, second))
    assert not tally.answers_for(max(first, second) - timedelta(days=1))
    back = _decode("list-1", _encode(tally))
    assert back.cells == tally.cells
    assert back.folded_on == tally.folded_on
    bands: Counter[AgeBand] = Counter()
    for cell, n in tally.cells.items():
        bands[age_band_of(cell[3], max(first, second))] += n
    expected: Counter[AgeBand] = Counter()
    for _c, _b, _band, birth, _code, _sd, n in cells:
        expected[
            AgeBand.UNKNOWN
            if birth == NO_RECORD
            else age_band_from_birth_month(int(birth[:4]), int(birth[5:7]), max(first, second))
        ] += n
    assert bands == expected


def test_no_record_is_counted_as_unknown_on_both_bases() -> None:
    cell: Cell = cell_of("victim", "CE", None, None, date(2026, 12, 3))
    assert cell == ("victim", "CE", None, NO_RECORD, "IC9", "not_stated")
    assert age_band_of(cell[3], date(2030, 1, 1)) == AgeBand.UNKNOWN
