"""A synthetic borough spreadsheet of the shape the Matrix was kept in, with planted problems.

Every ``problem_every``-th row carries one planted problem, in turn from ``PLANTED``; each is a
reason the import must quarantine the row for. The people are synthetic (numbered names), and
some lawful rows are children with an IAO approval and a safeguarding referral.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path

from listwarden.domain.bcu import BOROUGHS_BY_BCU

HEADER = (
    "Forename",
    "Surname",
    "DOB",
    "Category",
    "Borough",
    "Street names",
    "Address",
    "IAO approval",
    "MASH referral",
    "Intel 1 grading",
    "Intel 1 source",
    "Intel 1 ref",
    "Intel 1",
    "Intel 1 date",
    "Intel 2 grading",
    "Intel 2 source",
    "Intel 2 ref",
    "Intel 2",
    "Intel 2 date",
)

MAPPING_TOML = """\
# Which column of the borough spreadsheet holds which field of the register.
[columns]
given_name = "Forename"
family_name = "Surname"
date_of_birth = "DOB"
category = "Category"
borough = "Borough"
nicknames = "Street names"
address = "Address"
iao_approval_by = "IAO approval"
safeguarding_referral = "MASH referral"

[[intelligence]]
grading = "Intel 1 grading"
source_type = "Intel 1 source"
source_ref = "Intel 1 ref"
text = "Intel 1"
reported_on = "Intel 1 date"

[[intelligence]]
grading = "Intel 2 grading"
source_type = "Intel 2 source"
source_ref = "Intel 2 ref"
text = "Intel 2"
reported_on = "Intel 2 date"

# The borough's own words for the categories.
[categories]
"gang nominal" = "suspected"
"convicted nominal" = "convicted"
"victim" = "victim"

[formats]
dates = ["%d/%m/%Y", "%Y-%m-%d"]
nickname_separator = ";"
"""

PLANTED: dict[str, tuple[str, ...]] = {
    "no-category": ("category-missing",),
    "victim-on-matrix": ("category-not-on-list",),
    "unknown-borough": ("borough-unknown",),
    "bad-date": ("date-unparseable",),
    "bad-grading": ("invalid-grading",),
    "single-source": ("single-source",),
    "child-without-safeguards": ("iao-approval-missing", "safeguarding-referral-missing"),
    "duplicate": ("duplicate-in-file",),
}
"""Each kind of planted problem and the quarantine reason codes it must produce."""

BOROUGHS = tuple(b for boroughs in BOROUGHS_BY_BCU.values() for b in boroughs)


def _person(n: int, rng: random.Random, today: date, iao_id: str) -> list[str | date]:
    child = n % 17 == 0
    age_days = rng.randint(14 * 366, 17 * 365) if child else rng.randint(19 * 366, 40 * 365)
    born = today - timedelta(days=age_days)
    reported = today - timedelta(days=rng.randint(10, 600))
    return [
        f"Given{n}",
        f"Family{rng.randrange(10**8):08d}",
        born,
        rng.choice(("Gang nominal", "Convicted nominal")),
        BOROUGHS[n % len(BOROUGHS)],
        f"Nick{n};Alias{n}" if n % 3 == 0 else "",
        f"{n} Example Road" if n % 5 == 0 else "",
        iao_id if child else "",
        f"MASH-{n}" if child else "",
        "2B P",
        "police",
        f"SRC-{rng.randrange(10**6)}",
        f"Seen with group members at location {n}",
        reported,
        "1A P",
        "partner_agency",
        f"PA-{rng.randrange(10**6)}",
        f"Partner report {n}",
        reported,
    ]


def _plant(kind: str, row: list[str | date], earlier: list[str | date], today: date) -> None:
    if kind == "no-category":
        row[3] = ""
    elif kind == "victim-on-matrix":
        row[3] = "Victim"
    elif kind == "unknown-borough":
        row[4] = "Atlantis"
    elif kind == "bad-date":
        row[2] = "31/02/1999"
    elif kind == "bad-grading":
        row[9] = "4F X"
    elif kind == "single-source":
        row[16] = row[11]  # the second item comes from the same source as the first
    elif kind == "child-without-safeguards":
        row[2] = today - timedelta(days=15 * 365)
        row[7] = row[8] = ""
    elif kind == "duplicate":
        row[:3] = earlier[:3]


def borough_rows(
    n: int, *, seed: int = 11, today: date, iao_id: str, problem_every: int = 25
) -> Iterator[tuple[list[str | date], str | None]]:
    """``n`` data rows, each with the kind of problem planted in it (or ``None``)."""
    rng = random.Random(seed)
    kinds = list(PLANTED)
    first: list[str | date] = []
    for i in range(n):
        row = _person(i, rng, today, iao_id)
        planted = i % problem_every == problem_every - 1
        kind = kinds[(i // problem_every) % len(kinds)] if planted else None
        if kind == "duplicate" and not first:
            kind = None
        if kind is not None:
            _plant(kind, row, first, today)
        elif not first and row[7] == "":
            first = list(row)
        yield row, kind


def expected_reasons(kinds: Sequence[str | None]) -> Counter[str]:
    """The reason counts an import of rows with these planted kinds must report."""
    out: Counter[str] = Counter()
    for kind in kinds:
        if kind is not None:
            out.update(PLANTED[kind])
    return out


def _text(cell: str | date) -> str:
    return cell.strftime("%d/%m/%Y") if isinstance(cell, date) else cell


def write_borough_file(
    path: Path, n: int, *, today: date, iao_id: str, seed: int = 11, problem_every: int = 25
) -> list[str | None]:
    """Write the spreadsheet (.csv, .xlsx or .ods by suffix); the planted kind of each row."""
    kinds: list[str | None] = []

    def rows() -> Iterator[Sequence[str | date]]:
        yield HEADER
        for row, kind in borough_rows(
            n, seed=seed, today=today, iao_id=iao_id, problem_every=problem_every
        ):
            kinds.append(kind)
            yield row

    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerows([_text(c) for c in row] for row in rows())
    elif suffix == ".xlsx":
        from listwarden.dlp.writers import write_xlsx

        write_xlsx(path, {"Matrix": rows()})
    elif suffix == ".ods":
        from listwarden.dlp.writers import write_ods

        write_ods(path, {"Matrix": rows()})
    else:
        raise ValueError(f"cannot write a {suffix} borough sheet")
    return kinds
