"""Loading the population baseline for equality monitoring from a census CSV, checked for shape.

The shipped shape is the 2011 Census table QS201EW for the 32 London boroughs the Metropolitan
Police covers: one row per borough, a column of all residents, the five high-level groups and
their 18 detailed groups. A newer baseline (Census 2021 TS021, say) is loaded by mapping it to
the same columns; every row is checked to add up, and every error names its line and column.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import NoReturn

from listwarden.domain.bcu import BCU_OF_BOROUGH
from listwarden.domain.equality import CENSUS_GROUPS, EthnicGroup, PopulationBaseline
from listwarden.domain.errors import InvalidInput, Reason

ENVIRONMENT_VARIABLE = "LISTWARDEN_CENSUS_BASELINE"
BOROUGH = "borough"
ALL = "all"
DETAIL_COLUMNS: Mapping[EthnicGroup, tuple[str, ...]] = MappingProxyType(
    {
        EthnicGroup.WHITE: (
            "white_british",
            "white_irish",
            "white_gypsy_traveller",
            "white_other",
        ),
        EthnicGroup.MIXED: (
            "mixed_white_black_caribbean",
            "mixed_white_black_african",
            "mixed_white_asian",
            "mixed_other",
        ),
        EthnicGroup.ASIAN: (
            "asian_indian",
            "asian_pakistani",
            "asian_bangladeshi",
            "asian_chinese",
            "asian_other",
        ),
        EthnicGroup.BLACK: ("black_african", "black_caribbean", "black_other"),
        EthnicGroup.OTHER: ("other_arab", "other_any"),
    }
)
COUNT_COLUMNS: tuple[str, ...] = (
    ALL,
    *(column for g in CENSUS_GROUPS for column in (g.value, *DETAIL_COLUMNS[g])),
)
COLUMNS: tuple[str, ...] = (BOROUGH, *COUNT_COLUMNS)
MAX_REASONS = 20
"""Enough reasons to fix a file by; a wholly wrong file is not listed cell by cell."""


@dataclass(frozen=True)
class CensusRow:
    borough: str
    counts: Mapping[str, int]


@dataclass(frozen=True)
class CensusTable:
    """Every column of a validated baseline file, one row per borough."""

    source: str
    rows: tuple[CensusRow, ...]

    def total(self, column: str) -> int:
        return sum(row.counts[column] for row in self.rows)

    def to_baseline(self) -> PopulationBaseline:
        residents = {
            row.borough: MappingProxyType({g: row.counts[g.value] for g in CENSUS_GROUPS})
            for row in self.rows
        }
        return PopulationBaseline(self.source, MappingProxyType(residents))


def resolve_baseline_path(
    path: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> Path:
    """The explicit path if given, else ``LISTWARDEN_CENSUS_BASELINE``; refuse if neither."""
    if path is not None and str(path).strip():
        return Path(path)
    configured = (os.environ if environ is None else environ).get(ENVIRONMENT_VARIABLE, "")
    if configured.strip():
        return Path(configured)
    raise InvalidInput(
        "no census baseline configured",
        reasons=[
            Reason(
                "census-baseline-not-configured",
                f"give a path, or set {ENVIRONMENT_VARIABLE} to a CSV of the shipped shape",
                "census_baseline",
            )
        ],
    )


def load_census_table(
    path: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> CensusTable:
    """Read and validate the baseline file (see ``resolve_baseline_path``)."""
    resolved = resolve_baseline_path(path, environ=environ)
    try:
        text = resolved.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"cannot read the census baseline {str(resolved)!r}",
            reasons=[Reason("census-baseline-unreadable", str(exc), "census_baseline")],
        ) from None
    return parse_census_csv(text, source=resolved.name)


def load_census_baseline(
    path: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> PopulationBaseline:
    return load_census_table(path, environ=environ).to_baseline()


def parse_census_csv(text: str, *, source: str) -> CensusTable:
    """Validate a baseline CSV of the shipped shape; every error names its line and column."""
    reasons: list[Reason] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    for column in missing:
        reasons.append(Reason("missing-column", f"line 1: no column {column!r}", column))
    for column in unknown:
        reasons.append(Reason("unknown-column", f"line 1: unexpected column {column!r}", column))
    for column in duplicated:
        reasons.append(Reason("duplicate-column", f"line 1: {column!r} appears twice", column))
    if reasons:
        _refuse(source, reasons)
    rows: list[CensusRow] = []
    named: set[str] = set()
    for line, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue  # a blank line, such as a trailing one, is not a row
        row = _parse_row(line, header, fields, reasons, named=named)
        if row is not None:
            rows.append(row)
    for borough in BCU_OF_BOROUGH:
        if borough not in named:
            reasons.append(Reason("missing-borough", f"no row for {borough!r}", BOROUGH))
    if reasons:
        _refuse(source, reasons)
    order = {b: i for i, b in enumerate(BCU_OF_BOROUGH)}
    return CensusTable(source, tuple(sorted(rows, key=lambda r: order[r.borough])))


def _parse_row(
    line: int, header: list[str], fields: list[str], reasons: list[Reason], *, named: set[str]
) -> CensusRow | None:
    """Check one row, adding a reason for each problem; the row only if it has none."""
    if len(fields) != len(header):
        detail = f"line {line}: {len(fields)} fields where the header has {len(header)}"
        reasons.append(Reason("wrong-field-count", detail, None))
        return None
    values = {h: f.strip() for h, f in zip(header, fields, strict=True)}
    borough = values[BOROUGH]
    where = f"line {line} ({borough or 'no borough'})"
    before = len(reasons)
    if borough not in BCU_OF_BOROUGH:
        detail = f"{where}: not one of the 32 boroughs the force covers (City of London is not)"
        reasons.append(Reason("unknown-borough", detail, BOROUGH))
    elif borough in named:
        reasons.append(Reason("duplicate-borough", f"{where}: a second row", BOROUGH))
    named.add(borough)
    counts: dict[str, int] = {}
    for column in COUNT_COLUMNS:
        raw = values[column]
        if not raw.isascii() or not raw.isdigit():
            detail = f"{where}: {raw!r} is not a count (a whole number, no separators)"
            reasons.append(Reason("not-a-count", detail, column))
        else:
            counts[column] = int(raw)
    if len(counts) == len(COUNT_COLUMNS):
        for group in CENSUS_GROUPS:
            parts = sum(counts[c] for c in DETAIL_COLUMNS[group])
            if parts != counts[group.value]:
                stated = counts[group.value]
                detail = f"{where}: {group.value} is {stated} but its groups sum to {parts}"
                reasons.append(Reason("group-sum-mismatch", detail, group.value))
        groups = sum(counts[g.value] for g in CENSUS_GROUPS)
        if groups != counts[ALL]:
            detail = f"{where}: all is {counts[ALL]} but the five groups sum to {groups}"
            reasons.append(Reason("total-mismatch", detail, ALL))
    return CensusRow(borough, MappingProxyType(counts)) if len(reasons) == before else None


def _refuse(source: str, reasons: list[Reason]) -> NoReturn:
    shown = reasons[:MAX_REASONS]
    if len(reasons) > MAX_REASONS:
        more = f"and {len(reasons) - MAX_REASONS} more problems"
        shown.append(Reason("more-problems", more, None))
    raise InvalidInput(
        f"the census baseline {source!r} is not in the expected shape", reasons=shown
    )
