"""The 10-5 rule and secondary suppression: no suppressed count can be worked back out."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from listwarden.domain.disclosure_control import (
    TOTAL,
    CellStatus,
    ProtectedCell,
    ProtectedTable,
    protect_table,
    publish_breakdown,
    published_rate,
    round_to_base,
)
from listwarden.domain.equality import (
    Basis,
    Dimension,
    EthnicGroup,
    MonitoringRecord,
    PopulationBaseline,
    age_band,
    tally_records,
)
from listwarden.domain.errors import InvalidInput
from listwarden.domain.monitoring import IdentityCode, SelfDefinedEthnicity
from listwarden.domain.vocabulary import Band, Category

# --- the attacker -------------------------------------------------------------------------


def _lines(table: ProtectedTable) -> list[list[tuple[int, int, int]]]:
    """Each published constraint as (row, column, sign): body cells +1, the line's total -1."""
    n_rows, n_cols = len(table.row_labels), len(table.column_labels)
    lines = []
    if table.has_row_totals:
        for i in range(n_rows):
            lines.append([(i, j, 1) for j in range(n_cols - 1)] + [(i, n_cols - 1, -1)])
    if table.has_column_totals:
        for j in range(n_cols):
            lines.append([(i, j, 1) for i in range(n_rows - 1)] + [(n_rows - 1, j, -1)])
    return lines


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [r[:] for r in matrix]
    rank, width = 0, len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][col] != 0:
                factor = rows[r][col] / rows[rank][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def linearly_recoverable(table: ProtectedTable) -> set[tuple[int, int]]:
    """Suppressed cells fixed by the totals even if every published value were exact.

    Gaussian elimination over the rationals: a cell is determined when its unit vector lies in
    the row space of the constraints restricted to the suppressed cells.
    """
    unknown = [
        (i, j) for i, row in enumerate(table.cells) for j, cell in enumerate(row) if cell.suppressed
    ]
    index = {cell: k for k, cell in enumerate(unknown)}
    matrix = []
    for line in _lines(table):
        coefficients = [Fraction(0)] * len(unknown)
        for i, j, sign in line:
            if (i, j) in index:
                coefficients[index[(i, j)]] += sign
        if any(coefficients):
            matrix.append(coefficients)
    if not matrix:
        return set()
    base = _rank(matrix)
    found = set()
    for cell, k in index.items():
        unit = [Fraction(int(m == k)) for m in range(len(unknown))]
        if _rank([*matrix, unit]) == base:
            found.add(cell)
    return found


def bounds_recoverable(table: ProtectedTable) -> dict[tuple[int, int], tuple[int, int]]:
    """Interval reasoning knowing the rounding: a published v means v-2..v+2 and at least 10;
    a suppressed count is 0 or more. Returns the suppressed cells narrowed to one value."""
    big = 10**9
    bounds = {}
    for i, row in enumerate(table.cells):
        for j, cell in enumerate(row):
            if cell.value is None:
                bounds[(i, j)] = (0, big)
            else:
                bounds[(i, j)] = (max(cell.value - 2, 10), cell.value + 2)
    lines = _lines(table)
    for _ in range(50):
        changed = False
        for line in lines:
            for target in line:
                ti, tj, tsign = target
                lo, hi = 0, 0  # bounds on sum(sign * others); target = -that / tsign
                for i, j, sign in line:
                    if (i, j) == (ti, tj):
                        continue
                    a, b = bounds[(i, j)]
                    lo, hi = (lo + sign * a, hi + sign * b) if sign > 0 else (lo - b, hi - a)
                new = (-hi, -lo) if tsign > 0 else (lo, hi)
                old = bounds[(ti, tj)]
                narrowed = (max(old[0], new[0]), min(old[1], new[1]))
                if narrowed != old:
                    bounds[(ti, tj)], changed = narrowed, True
        if not changed:
            break
    return {
        (i, j): bounds[(i, j)]
        for i, row in enumerate(table.cells)
        for j, cell in enumerate(row)
        if cell.suppressed and bounds[(i, j)][0] == bounds[(i, j)][1]
    }


def _extended(counts: list[list[int]], table: ProtectedTable) -> list[list[int]]:
    grid = [row[:] for row in counts]
    if table.has_row_totals:
        grid = [[*row, sum(row)] for row in grid]
    if table.has_column_totals:
        grid.append([sum(col) for col in zip(*grid, strict=True)])
    return grid


# --- examples worked by hand --------------------------------------------------------------


def test_rounding_is_to_the_nearest_five() -> None:
    assert [round_to_base(n) for n in (10, 12, 13, 14, 15, 17, 18, 102)] == [
        10,
        10,
        15,
        15,
        15,
        15,
        20,
        100,
    ]


def test_a_single_row_suppresses_the_next_smallest_cell_beside_a_lone_small_one() -> None:
    # 3 is under 10; with the total 105 published, 3 = 105 - 50 - 12 - 40, so the next
    # smallest (12) goes too; 50, 40 and 105 are already multiples of 5.
    table = protect_table([[3, 50, 12, 40]], row_labels=["r"], column_labels=["w", "x", "y", "z"])
    assert table.as_json() == {
        "rows": ["r"],
        "columns": ["w", "x", "y", "z", TOTAL],
        "values": [[None, 50, None, 40, 105]],
    }
    statuses = [c.status for c in table.cells[0]]
    assert statuses[0] == CellStatus.PRIMARY
    assert statuses[2] == CellStatus.SECONDARY


def test_two_small_cells_in_a_row_protect_each_other() -> None:
    table = protect_table([[3, 4, 50]], row_labels=["r"], column_labels=["a", "b", "c"])
    assert table.as_json()["values"] == [[None, None, 50, 55]]


def test_a_table_with_margins_suppresses_a_cycle() -> None:
    counts = [[3, 50, 12], [40, 2, 30], [20, 20, 20]]
    table = protect_table(counts, row_labels=["a", "b", "c"], column_labels=["x", "y", "z"])
    assert table.has_row_totals
    assert table.has_column_totals
    assert not linearly_recoverable(table)
    assert table.cells[0][0].status == CellStatus.PRIMARY
    assert table.cells[1][1].status == CellStatus.PRIMARY
    # The grand total (195) and the column totals are published, rounded.
    assert [c.value for c in table.cells[3]] == [65, 70, 60, 195]


def test_a_small_total_is_suppressed_too() -> None:
    table = protect_table([[3, 4], [20, 30]], row_labels=["a", "b"], column_labels=["x", "y"])
    assert table.cells[0][2].status == CellStatus.PRIMARY  # row total 7
    assert not linearly_recoverable(table)


def test_shape_errors_are_refused_with_reasons() -> None:
    with pytest.raises(InvalidInput) as caught:
        protect_table([[1, -2]], row_labels=["a"], column_labels=["x"])
    assert {r.code for r in caught.value.reasons} == {"table-shape", "not-a-count"}
    with pytest.raises(InvalidInput):
        protect_table([[1]], row_labels=[TOTAL], column_labels=["x"])


def test_rates_come_from_rounded_counts_and_vanish_with_suppressed_ones() -> None:
    # 3 is suppressed, and 20 with it (the next smallest); 52 is published as 50, so its
    # rate per 1,000 of 1,000 residents is 50.0, not 52.0.
    table = protect_table([[3, 52, 20]], row_labels=["r"], column_labels=["a", "b", "c"])
    assert published_rate(table.cells[0][0], 1000) is None
    assert published_rate(table.cells[0][2], 1000) is None
    assert published_rate(table.cells[0][1], 1000) == 50.0
    assert published_rate(table.cells[0][1], None) is None


# --- the property: nothing under 10 comes back --------------------------------------------

small_counts = st.one_of(st.integers(0, 12), st.integers(0, 60), st.integers(0, 400))


@st.composite
def tables(draw: st.DrawFn) -> list[list[int]]:
    n_rows = draw(st.integers(1, 4))
    n_cols = draw(st.integers(1, 5))
    return [[draw(small_counts) for _ in range(n_cols)] for _ in range(n_rows)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=tables(), populations=st.lists(st.integers(500, 200_000), min_size=30, max_size=30))
def test_no_suppressed_count_is_recovered_from_totals_or_rates(
    counts: list[list[int]], populations: list[int]
) -> None:
    rows = [f"r{i}" for i in range(len(counts))]
    cols = [f"c{j}" for j in range(len(counts[0]))]
    table = protect_table(counts, row_labels=rows, column_labels=cols)
    truth = _extended(counts, table)

    for i, row in enumerate(table.cells):
        for j, cell in enumerate(row):
            if truth[i][j] < 10:
                assert cell.status == CellStatus.PRIMARY
            if cell.value is not None:
                assert cell.value % 5 == 0
                assert abs(cell.value - truth[i][j]) <= 2

    # Rates times populations give back the rounded count, never an exact one under 10.
    for k, (i, j) in enumerate((i, j) for i in range(len(truth)) for j in range(len(truth[0]))):
        population = populations[k % len(populations)]
        rate = published_rate(table.cells[i][j], population)
        if table.cells[i][j].suppressed:
            assert rate is None
        else:
            assert rate is not None
            recovered = round(rate * population / 1000)
            assert recovered == table.cells[i][j].value
            assert recovered >= 10

    assert not linearly_recoverable(table)
    pinned = bounds_recoverable(table)
    assert not pinned, f"recovered {pinned} from {truth}"


def test_the_attacker_does_find_an_unprotected_cell() -> None:
    # The attacker is worth trusting only if it catches a cell left alone in its row.
    table = protect_table([[3, 50, 12, 40]], row_labels=["r"], column_labels=["w", "x", "y", "z"])
    row = list(table.cells[0])
    row[2] = ProtectedCell(CellStatus.PUBLISHED, 10)  # as if 12 had been published
    exposed = ProtectedTable(table.row_labels, table.column_labels, (tuple(row),))
    assert linearly_recoverable(exposed) == {(0, 0)}


# --- the publication version of an equality breakdown ------------------------------------


def _record(bcu: str, band: Band, ethnicity: SelfDefinedEthnicity) -> MonitoringRecord:
    return MonitoringRecord(
        "matrix", Category.SUSPECTED, bcu, band, age_band(20), IdentityCode.IC9, ethnicity
    )


def test_published_breakdown_suppresses_rates_and_ratios_with_counts() -> None:
    records = (
        [_record("CE", Band.RED, SelfDefinedEthnicity.BLACK_AFRICAN)] * 40
        + [_record("CE", Band.RED, SelfDefinedEthnicity.WHITE_BRITISH)] * 20
        + [_record("CE", Band.GREEN, SelfDefinedEthnicity.ASIAN_INDIAN)] * 3
        + [_record("CE", Band.GREEN, SelfDefinedEthnicity.BLACK_CARIBBEAN)] * 30
        + [_record("CE", Band.GREEN, SelfDefinedEthnicity.WHITE_IRISH)] * 25
    )
    tally = tally_records(records)[Basis.SELF_DEFINED]
    residents = {g: 1000 for g in EthnicGroup if g != EthnicGroup.UNKNOWN}
    baseline = PopulationBaseline("test", {"Hackney": residents, "Tower Hamlets": residents})
    published = publish_breakdown(tally, Dimension.BAND, baseline)
    assert [r.label for r in published.rows] == ["green", "red", "force"]
    green = published.rows[0]
    assert green.counts["asian"] is None
    assert green.counts["black"] == 30
    assert green.rates["asian"] is None
    asian_ratio = next(r for r in green.ratios if r.group == EthnicGroup.ASIAN)
    assert (asian_ratio.ratio, asian_ratio.lower, asian_ratio.upper) == (None, None, None)
    # Black 30 and White 25 in green are published; the ratio uses the rounded counts.
    black = next(r for r in green.ratios if r.group == EthnicGroup.BLACK)
    assert black.ratio == pytest.approx(30 / 25)
    assert green.rates["black"] == pytest.approx(30 * 1000 / 2000)
    assert not linearly_recoverable(published.table)
    assert published.table.cells[0][2].status == CellStatus.PRIMARY  # kept for the analyst


def test_a_breakdown_with_one_row_or_none() -> None:
    residents = {g: 1000 for g in EthnicGroup if g != EthnicGroup.UNKNOWN}
    baseline = PopulationBaseline("test", {"Hackney": residents})
    records = [_record("CE", Band.RED, SelfDefinedEthnicity.BLACK_AFRICAN)] * 12
    tally = tally_records(records)[Basis.SELF_DEFINED]
    only = publish_breakdown(tally, Dimension.LIST, baseline)
    assert [r.label for r in only.rows] == ["matrix"]
    # Twelve Black, none else: the five empty groups protect each other; 12 is shown as 10.
    assert only.rows[0].counts == {
        "white": None,
        "mixed": None,
        "asian": None,
        "black": 10,
        "other": None,
        "unknown": None,
        TOTAL: 10,
    }
    assert not bounds_recoverable(only.table)
    empty = publish_breakdown(tally_records([])[Basis.SELF_DEFINED], Dimension.BAND, baseline)
    assert empty.rows == ()
