"""The census baseline: the real 2011 table loads, and a malformed one is refused precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from listwarden.domain.bcu import BCU_OF_BOROUGH, BOROUGHS_BY_BCU
from listwarden.domain.equality import (
    FORCE,
    Basis,
    EthnicGroup,
    MonitoringRecord,
    age_band,
    area_figures,
    tally_records,
)
from listwarden.domain.errors import InvalidInput
from listwarden.domain.monitoring import IdentityCode, SelfDefinedEthnicity
from listwarden.domain.vocabulary import Band, Category
from listwarden.reports.census import (
    COLUMNS,
    ENVIRONMENT_VARIABLE,
    load_census_baseline,
    load_census_table,
    parse_census_csv,
    resolve_baseline_path,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
CENSUS_2011 = REPO_ROOT.parent / "shared" / "data" / "census2011_london_boroughs_ethnic_group.csv"


@pytest.fixture(scope="module")
def real_text() -> str:
    return CENSUS_2011.read_text(encoding="utf-8")


def test_the_real_2011_totals() -> None:
    table = load_census_table(CENSUS_2011)
    assert len(table.rows) == 32
    assert table.total("all") == 8_166_566
    assert table.total("black") == 1_088_447
    assert round(100 * table.total("black") / table.total("all"), 1) == 13.3
    baseline = table.to_baseline()
    force = baseline.population()
    assert sum(force.values()) == 8_166_566
    assert force[EthnicGroup.BLACK] == 1_088_447
    assert EthnicGroup.UNKNOWN not in force


def test_bcus_partition_the_force(real_text: str) -> None:
    baseline = parse_census_csv(real_text, source="2011").to_baseline()
    per_bcu = [baseline.population(bcu) for bcu in BOROUGHS_BY_BCU]
    for group in baseline.population():
        assert sum(p[group] for p in per_bcu) == baseline.population()[group]
    # Central East is Hackney and Tower Hamlets.
    rows = {r.borough: r.counts for r in parse_census_csv(real_text, source="2011").rows}
    ce_black = rows["Hackney"]["black"] + rows["Tower Hamlets"]["black"]
    assert baseline.population("CE")[EthnicGroup.BLACK] == ce_black


def test_equality_rates_against_the_real_baseline() -> None:
    baseline = load_census_baseline(CENSUS_2011)
    record = MonitoringRecord(
        "matrix",
        Category.SUSPECTED,
        "CE",
        Band.RED,
        age_band(19),
        IdentityCode.IC3,
        SelfDefinedEthnicity.BLACK_CARIBBEAN,
    )
    t = tally_records([record] * 1088)[Basis.SELF_DEFINED]
    rows = area_figures(t, baseline)
    assert [r.label for r in rows] == [FORCE, *BOROUGHS_BY_BCU]
    force_black = next(r for r in rows[0].rates if r.group == EthnicGroup.BLACK)
    # 1,088 people against 1,088,447 Black Londoners: 0.9996 per 1,000.
    assert force_black.rate_per_1000 == pytest.approx(1088 * 1000 / 1_088_447)


def test_path_comes_from_argument_then_environment(tmp_path: Path) -> None:
    assert resolve_baseline_path(tmp_path / "a.csv", environ={}) == tmp_path / "a.csv"
    env = {ENVIRONMENT_VARIABLE: str(tmp_path / "b.csv")}
    assert resolve_baseline_path(None, environ=env) == tmp_path / "b.csv"
    with pytest.raises(InvalidInput) as caught:
        resolve_baseline_path(None, environ={ENVIRONMENT_VARIABLE: "  "})
    assert caught.value.reasons[0].code == "census-baseline-not-configured"


def test_a_newer_baseline_of_the_same_shape_loads_from_the_environment(
    tmp_path: Path, real_text: str
) -> None:
    # A 2021-like table: columns in another order, a BOM, every count doubled.
    lines = [line.split(",") for line in real_text.strip().splitlines()]
    header, body = lines[0], lines[1:]
    order = [0, *reversed(range(1, len(header)))]
    doubled = [[row[0], *(str(2 * int(v)) for v in row[1:])] for row in body]
    text = "\n".join(",".join(row[i] for i in order) for row in [header, *doubled]) + "\n"
    path = tmp_path / "census2021.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    baseline = load_census_baseline(environ={ENVIRONMENT_VARIABLE: str(path)})
    assert baseline.source == "census2021.csv"
    assert baseline.population()[EthnicGroup.BLACK] == 2 * 1_088_447


def _replace(text: str, borough: str, column: str, value: str) -> str:
    lines = text.splitlines()
    header = lines[0].split(",")
    for n, line in enumerate(lines):
        fields = line.split(",")
        if fields[0] == borough:
            fields[header.index(column)] = value
            lines[n] = ",".join(fields)
    return "\n".join(lines) + "\n"


def _reasons(text: str) -> list[tuple[str, str, str | None]]:
    with pytest.raises(InvalidInput) as caught:
        parse_census_csv(text, source="bad.csv")
    assert "bad.csv" in caught.value.detail
    return [(r.code, r.detail, r.field) for r in caught.value.reasons]


def test_a_count_that_is_not_a_number_names_line_and_column(real_text: str) -> None:
    separated = _replace(real_text, "Brent", "black_african", '"24,391"')  # quoted, as Excel does
    assert [(c, f) for c, _, f in _reasons(separated)] == [("not-a-count", "black_african")]
    bad = _replace(real_text, "Brent", "black_african", "lots")
    line = next(n for n, s in enumerate(real_text.splitlines(), start=1) if s.startswith("Brent"))
    assert _reasons(bad) == [
        (
            "not-a-count",
            f"line {line} (Brent): 'lots' is not a count (a whole number, no separators)",
            "black_african",
        )
    ]


def test_groups_that_do_not_add_up_are_refused(real_text: str) -> None:
    bad = _replace(real_text, "Barnet", "black_other", "0")
    reasons = _reasons(bad)
    assert [(code, field) for code, _, field in reasons] == [("group-sum-mismatch", "black")]
    assert reasons[0][1] == "line 3 (Barnet): black is 27431 but its groups sum to 23860"
    bad = _replace(real_text, "Barnet", "all", "1")
    assert [(c, f) for c, _, f in _reasons(bad)] == [("total-mismatch", "all")]


def test_missing_unknown_and_duplicate_columns(real_text: str) -> None:
    header, rest = real_text.split("\n", 1)
    renamed = header.replace("other_any", "other_any_other")
    codes = [(c, f) for c, _, f in _reasons(renamed + "\n" + rest)]
    assert codes == [("missing-column", "other_any"), ("unknown-column", "other_any_other")]
    assert _reasons("")[0][0] == "missing-column"


def test_boroughs_must_be_the_forces_32(real_text: str) -> None:
    with_city = real_text + "City of London," + ",".join(["0"] * (len(COLUMNS) - 1)) + "\n"
    reasons = _reasons(with_city)
    assert [(c, f) for c, _, f in reasons] == [("unknown-borough", "borough")]
    assert "City of London" in reasons[0][1]
    without_bexley = "\n".join(
        line for line in real_text.splitlines() if not line.startswith("Bexley")
    )
    assert _reasons(without_bexley) == [("missing-borough", "no row for 'Bexley'", "borough")]
    lines = real_text.splitlines()
    twice = "\n".join([*lines, lines[1]])
    assert [c for c, _, _ in _reasons(twice)] == ["duplicate-borough"]


def test_ragged_rows_and_unreadable_files(real_text: str, tmp_path: Path) -> None:
    ragged = real_text.replace("Bexley,231997,", "Bexley,231997,1,", 1)
    assert [c for c, _, _ in _reasons(ragged)] == ["wrong-field-count", "missing-borough"]
    with pytest.raises(InvalidInput) as caught:
        load_census_table(tmp_path / "nowhere.csv")
    assert caught.value.reasons[0].code == "census-baseline-unreadable"


def test_a_wholly_wrong_file_lists_a_bounded_number_of_problems() -> None:
    text = ",".join(COLUMNS) + "\n" + "".join(f"{b},x\n" for b in BCU_OF_BOROUGH)
    reasons = _reasons(text)
    assert len(reasons) == 21
    assert reasons[-1][0] == "more-problems"
