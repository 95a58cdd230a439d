"""The public page on both databases: true to the list's policies, figures after disclosure
control, and no count under 10 recoverable from anything published."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from listwarden.bootstrap import Register
from listwarden.domain.bcu import BCU_OF_BOROUGH
from listwarden.domain.equality import CENSUS_GROUPS, PopulationBaseline
from listwarden.reports.jsonable import jsonable
from listwarden.services.entries import add_entries
from listwarden.services.publication import list_pages
from tests.factories import person
from tests.sharing_world import sharing_world

BASELINE = PopulationBaseline(
    "synthetic", {b: dict.fromkeys(CENSUS_GROUPS, 1000) for b in BCU_OF_BOROUGH}
)
# 23 Black and 12 White people in CE, 4 Asian in CE, 11 Black in SN: some cells publish,
# others are under 10 and must stay hidden however the totals are combined.
GROUPS = [("CE", "black_caribbean")] * 23 + [("CE", "white_british")] * 12
GROUPS += [("CE", "asian_indian")] * 4 + [("SN", "black_african")] * 11


def _rank(rows: list[list[Fraction]]) -> int:
    matrix, rank = [r[:] for r in rows], 0
    for col in range(len(matrix[0]) if matrix else 0):
        pivot = next((i for i in range(rank, len(matrix)) if matrix[i][col]), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for i in range(len(matrix)):
            if i != rank and matrix[i][col]:
                factor = matrix[i][col] / matrix[rank][col]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[rank], strict=True)]
        rank += 1
    return rank


def _recoverable(
    values: Sequence[Sequence[int | None]], row_totals: bool, col_totals: bool
) -> bool:
    """Whether any hidden cell is determined by the published cells: each line with a published
    total is an equation over its hidden cells; a cell is determined exactly when its unit vector
    lies in the span of those equations (a rank test, over the rationals)."""
    n_rows, n_cols = len(values), len(values[0])
    hidden = [(i, j) for i in range(n_rows) for j in range(n_cols) if values[i][j] is None]
    if not hidden:
        return False
    lines = []
    if row_totals:  # the last column holds each row's total: every row is an equation
        lines += [{(i, j) for j in range(n_cols)} for i in range(n_rows)]
    if col_totals:  # the last row holds each column's total
        lines += [{(i, j) for i in range(n_rows)} for j in range(n_cols)]
    equations = [[Fraction(1 if cell in line else 0) for cell in hidden] for line in lines]
    base = _rank(equations)
    for k in range(len(hidden)):
        unit = [Fraction(1 if m == k else 0) for m in range(len(hidden))]
        if _rank([*equations, unit]) == base:
            return True
    return False


def test_the_page_says_what_the_policies_enforce_and_publishes_only_protected_figures(
    register: Register,
) -> None:
    world = sharing_world(register)
    items = [
        person(100 + n, bcu=bcu, self_defined_ethnicity=ethnicity)  # type: ignore[arg-type]
        for n, (bcu, ethnicity) in enumerate(GROUPS)
    ]
    add_entries(
        uow=register.uow,
        actor=world.cast.iao,
        list_id=world.matrix,
        purpose="gang_violence_reduction",
        items=items,
    )
    (page,) = list_pages(uow=register.uow, baseline=BASELINE)
    assert sorted(page.categories) == ["convicted", "suspected"]
    assert {"iao", "analyst"} <= set(page.who_adds)
    assert "administrator" not in page.who_consults
    assert "equality_analyst" not in page.who_consults
    assert page.removal_rules[0].startswith("No gang-related police attention for six months")
    assert [r["recipient"] for r in page.recipients] == ["Borough Housing Department"]
    assert page.governance["dpia_review_on"] is not None

    by_bcu = jsonable(page.figures["bcu"])
    rows = {r["label"]: r for r in by_bcu["rows"]}
    assert rows["CE"]["counts"]["black"] == 25  # 23 + the world's three, rounded to 5
    assert rows["CE"]["counts"]["asian"] is None  # 4: under 10
    assert rows["SN"]["counts"]["black"] == 10  # 11 rounded
    for figure in page.figures.values():
        table = figure["table"]
        values = table["values"]
        published = [v for row in values for v in row if v is not None]
        assert all(v >= 10 and v % 5 == 0 for v in published)
        assert not _recoverable(
            values, table["columns"][-1:] == ["total"], table["rows"][-1:] == ["total"]
        )
        for row in figure["rows"]:
            population = {
                g.value: (BASELINE.population(row["label"]) if row["label"] in rows and
                          figure is page.figures["bcu"] and row["label"] != "force"
                          else BASELINE.population()).get(g)
                for g in CENSUS_GROUPS
            }  # fmt: skip
            for group, rate in row["rates"].items():
                count = row["counts"][group]
                if count is None:
                    assert rate is None  # suppressed together with its count
                elif group in population and rate is not None:
                    recovered = rate * population[group] / 1000
                    assert round(recovered) == count  # only the rounded count comes back
                    assert recovered >= 10


def test_the_recovery_check_finds_what_subtraction_gives_away() -> None:
    # A lone hidden cell in a row with its total: 20 - 15 = 5.
    assert _recoverable([[15, None, 20], [10, 10, 20], [25, None, 40]], True, True)
    # Two hidden in a row and a column each, on a cycle: nothing follows.
    assert not _recoverable([[None, None, 20], [None, None, 20], [20, 20, 40]], True, True)
    # Hidden cells whose sum is known, but only with a second equation does one follow.
    assert _recoverable([[None, None, 30], [None, 10, 20], [20, 30, 50]], True, True)
