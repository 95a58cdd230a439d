"""Statistical disclosure control for published figures: the ONS "10-5" rule with protection.

Counts under 10 are suppressed (primary), others rounded to the nearest 5. In a table with
totals, a suppressed cell could still be worked out from its row or column total, so further
cells are suppressed (secondary) until none can be. Rates, ratios and intervals are computed
from the *rounded* counts and suppressed with them, so a published rate times its (public)
population gives back at most the rounded count.

Why the secondary suppression is sufficient: write the table with its totals as a grid whose
rows and columns each sum to zero (the total taken negative). Make a graph with a node per line
(row or column) that has a published total, and one node for all lines without one; each
suppressed cell is an edge between its row and its column. Any change to the suppressed cells
that keeps every published total is a circulation on that graph, so a suppressed cell is
determined exactly when its edge lies on no cycle, that is, when it is a bridge. Cells are
added, the cheapest first, until the suppressed cells have no bridge.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from listwarden.domain.bcu import BOROUGHS_BY_BCU
from listwarden.domain.equality import (
    CENSUS_GROUPS,
    FORCE,
    REFERENCE_GROUP,
    Dimension,
    DisparityRatio,
    EthnicGroup,
    GroupTally,
    PopulationBaseline,
    rate_per_1000,
    rate_ratio_interval,
)
from listwarden.domain.errors import InvalidInput, Reason

SUPPRESSION_THRESHOLD = 10
ROUNDING_BASE = 5
TOTAL = "total"


class CellStatus(StrEnum):
    PUBLISHED = "published"
    PRIMARY = "suppressed"  # under the threshold
    SECONDARY = "suppressed_to_protect"  # would reveal a suppressed cell otherwise


@dataclass(frozen=True)
class ProtectedCell:
    """A published count (rounded) or a suppressed one (no value)."""

    status: CellStatus
    value: int | None

    @property
    def suppressed(self) -> bool:
        return self.status != CellStatus.PUBLISHED


def round_to_base(count: int, base: int = ROUNDING_BASE) -> int:
    """Round a non-negative count to the nearest multiple of ``base`` (halves up)."""
    return base * ((count + base // 2) // base)


@dataclass(frozen=True)
class ProtectedTable:
    """A table with its totals after disclosure control.

    ``cells`` is the table extended by its totals: a last column of row totals when there is
    more than one column, a last row of column totals when there is more than one row (a single
    row's column totals would only repeat it), and the grand total where both meet.
    """

    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    cells: tuple[tuple[ProtectedCell, ...], ...]

    @property
    def has_row_totals(self) -> bool:
        return self.column_labels[-1:] == (TOTAL,)

    @property
    def has_column_totals(self) -> bool:
        return self.row_labels[-1:] == (TOTAL,)

    def as_json(self) -> dict[str, object]:
        """The public form: a suppressed cell is null, with no word on why, since knowing which
        cells are under 10 and which only protect them would narrow both."""
        values = [[c.value for c in row] for row in self.cells]
        return {
            "rows": list(self.row_labels),
            "columns": list(self.column_labels),
            "values": values,
        }


def protect_table(
    counts: Sequence[Sequence[int]], *, row_labels: Sequence[str], column_labels: Sequence[str]
) -> ProtectedTable:
    """Apply the 10-5 rule with secondary suppression to a table of counts and its totals."""
    _check_shape(counts, row_labels, column_labels)
    grid = [list(row) for row in counts]
    rows, columns = list(row_labels), list(column_labels)
    if len(columns) > 1:
        for row in grid:
            row.append(sum(row))
        columns.append(TOTAL)
    if len(rows) > 1:
        grid.append([sum(column) for column in zip(*grid, strict=True)])
        rows.append(TOTAL)
    primary = {
        (i, j)
        for i, row in enumerate(grid)
        for j, value in enumerate(row)
        if value < SUPPRESSION_THRESHOLD
    }
    suppressed = _protect(grid, set(primary), len(row_labels) > 1, len(column_labels) > 1)
    cells = tuple(
        tuple(
            ProtectedCell(CellStatus.PRIMARY, None)
            if (i, j) in primary
            else ProtectedCell(CellStatus.SECONDARY, None)
            if (i, j) in suppressed
            else ProtectedCell(CellStatus.PUBLISHED, round_to_base(value))
            for j, value in enumerate(row)
        )
        for i, row in enumerate(grid)
    )
    return ProtectedTable(tuple(rows), tuple(columns), cells)


def _check_shape(
    counts: Sequence[Sequence[int]], row_labels: Sequence[str], column_labels: Sequence[str]
) -> None:
    reasons = []
    if not row_labels or not column_labels or len(counts) != len(row_labels):
        reasons.append(Reason("table-shape", "one row of counts per row label, at least one"))
    if any(len(row) != len(column_labels) for row in counts):
        reasons.append(Reason("table-shape", "one count per column label in every row"))
    if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for row in counts for v in row):
        reasons.append(Reason("not-a-count", "every count is a non-negative whole number"))
    if TOTAL in row_labels or TOTAL in column_labels:
        reasons.append(Reason("reserved-label", f"{TOTAL!r} labels the totals only"))
    if reasons:
        raise InvalidInput("cannot protect this table", reasons=reasons)


Cell = tuple[int, int]
Node = tuple[str, int]
_Ends = Callable[[Cell], tuple[Node, Node]]  # the two lines (graph nodes) a cell joins
_FREE: Node = ("free", 0)  # every line that has no published total


def _protect(
    grid: list[list[int]], suppressed: set[Cell], rows_sum: bool, cols_sum: bool
) -> set[Cell]:
    """Add suppressed cells until none is a bridge: for each bridge, the cheapest path of
    cells joining its two lines another way, so that it lies on a cycle."""

    def ends(cell: Cell) -> tuple[Node, Node]:
        # A line is a constraint only if its total is in the grid.
        return (("row", cell[0]) if cols_sum else _FREE), (("col", cell[1]) if rows_sum else _FREE)

    def weight(cell: Cell) -> int:
        # Losing less information first: a smaller count, then a body cell over a total,
        # then fewer cells; a cell already suppressed costs nothing.
        if cell in suppressed:
            return 0
        i, j = cell
        is_total = (cols_sum and j == len(grid[0]) - 1) or (rows_sum and i == len(grid) - 1)
        return grid[i][j] * 1000 + (500 if is_total else 0) + 1

    everything = sorted((i, j) for i in range(len(grid)) for j in range(len(grid[0])))
    while (bridge := _find_bridge(suppressed, ends)) is not None:
        path = _cheapest_path([c for c in everything if c != bridge], ends, weight, *ends(bridge))
        suppressed.update(path or [min(set(everything) - suppressed, key=weight)])
    return suppressed


def _cheapest_path(
    cells: list[Cell], ends: _Ends, weight: Callable[[Cell], int], start: Node, goal: Node
) -> list[Cell] | None:
    """Dijkstra over the lines, the cells being the edges; the cells of the cheapest path."""
    adjacent: dict[Node, list[tuple[Cell, Node]]] = {}
    for cell in cells:
        u, v = ends(cell)
        adjacent.setdefault(u, []).append((cell, v))
        adjacent.setdefault(v, []).append((cell, u))
    best: dict[Node, int] = {start: 0}
    via: dict[Node, tuple[Cell, Node]] = {}
    queue: list[tuple[int, Node]] = [(0, start)]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == goal:
            path = []
            while node != start:
                cell, node = via[node]
                path.append(cell)
            return path
        if cost > best[node]:
            continue
        for cell, nxt in adjacent.get(node, ()):
            new = cost + weight(cell)
            if new < best.get(nxt, new + 1):
                best[nxt], via[nxt] = new, (cell, node)
                heapq.heappush(queue, (new, nxt))
    return None


def _reach(cells: set[Cell], ends: _Ends, start: Node) -> set[Node]:
    adjacent: dict[Node, list[Node]] = {}
    for cell in cells:
        u, v = ends(cell)
        adjacent.setdefault(u, []).append(v)
        adjacent.setdefault(v, []).append(u)
    seen, todo = {start}, [start]
    while todo:
        for nxt in adjacent.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _find_bridge(suppressed: set[Cell], ends: _Ends) -> Cell | None:
    """The first suppressed cell (in grid order) lying on no cycle, or None."""
    for cell in sorted(suppressed):
        u, v = ends(cell)
        if u != v and v not in _reach(suppressed - {cell}, ends, u):
            return cell
    return None


def published_rate(cell: ProtectedCell, population: int | None) -> float | None:
    """A rate per 1,000 from the rounded count; none for a suppressed count."""
    return None if cell.value is None else rate_per_1000(cell.value, population)


@dataclass(frozen=True)
class PublishedRow:
    """One published row: counts (None where suppressed, never saying why), rates and ratios,
    by group and for the row's total."""

    label: str
    counts: Mapping[str, int | None]
    rates: Mapping[str, float | None]
    ratios: tuple[DisparityRatio, ...]


@dataclass(frozen=True)
class PublishedBreakdown:
    """The publication version of an equality breakdown; the last row is the force (or the
    only row). ``table`` keeps why each cell was suppressed, for the analyst, not the public."""

    dimension: Dimension
    table: ProtectedTable
    rows: tuple[PublishedRow, ...]


def publish_breakdown(
    tally: GroupTally, dimension: Dimension, baseline: PopulationBaseline
) -> PublishedBreakdown:
    """Counts by group for each value of ``dimension``, protected, with derived figures."""
    if dimension == Dimension.BCU:  # every BCU, in the usual order, even one with no entries
        keys = list(BOROUGHS_BY_BCU)
    else:
        keys = sorted(tally.breakdowns[dimension])
    if not keys:
        return PublishedBreakdown(dimension, ProtectedTable((), (), ()), ())
    groups = list(EthnicGroup)
    counts = [[tally.counts(dimension, k)[g] for g in groups] for k in keys]
    table = protect_table(counts, row_labels=keys, column_labels=[g.value for g in groups])
    force = baseline.population()
    rows = []
    for label, cells in zip(table.row_labels, table.cells, strict=True):
        if dimension == Dimension.BCU and label != TOTAL:
            population = baseline.population(label)
        else:
            population = force
        by_column = dict(zip(table.column_labels, cells, strict=True))
        pops: dict[str, int | None] = {g.value: population.get(g) for g in groups}
        pops[TOTAL] = sum(population.values())
        rows.append(
            PublishedRow(
                FORCE if label == TOTAL else label,
                {c: cell.value for c, cell in by_column.items()},
                {c: published_rate(cell, pops[c]) for c, cell in by_column.items()},
                _published_ratios(by_column, population),
            )
        )
    return PublishedBreakdown(dimension, table, tuple(rows))


def _published_ratios(
    cells: Mapping[str, ProtectedCell], population: Mapping[EthnicGroup, int]
) -> tuple[DisparityRatio, ...]:
    """Ratios from rounded counts, suppressed when either count is."""
    out = []
    b, pop_b = cells[REFERENCE_GROUP.value].value, population.get(REFERENCE_GROUP, 0)
    for group in CENSUS_GROUPS[1:]:
        a, pop_a = cells[group.value].value, population.get(group, 0)
        if a is None or not b or not pop_a or not pop_b:
            out.append(DisparityRatio(group, None, None, None))
            continue
        interval = rate_ratio_interval(a, pop_a, b, pop_b)
        lower, upper = interval if interval else (None, None)
        out.append(DisparityRatio(group, (a / pop_a) / (b / pop_b), lower, upper))
    return tuple(out)
