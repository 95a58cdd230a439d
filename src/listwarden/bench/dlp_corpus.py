"""The loss-detection benchmark's corpus: a gigabyte of ordinary files with planted copies.

By bytes on disk: spreadsheets 32% (xlsx and ods), PDF 12%, e-mail 12%, zip 12%, Word 2%,
plain text 14% and CSV 16%. The filler is what a force's shared drive holds: prose (notes,
e-mails, reports), logs and exports with dates of ordinary business, and lists of people who
are not on the register (names with dates of birth, the costly case for the matcher). Planted
are copies of register records: informal lists of five to twenty-five people in mixed forms of
name and date, and single rows inside large exports written in the export's own format.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from listwarden.dlp.corpus import GIVEN, name_forms, synthetic_surname
from listwarden.dlp.dates import excel_serial, written_forms
from listwarden.dlp.fingerprint import Person
from listwarden.dlp.writers import (
    Cell,
    eml_bytes,
    pdf_bytes,
    write_docx,
    write_ods,
    write_xlsx_quickly,
    zip_bytes,
)

SHARES = {
    "xlsx": 0.27,
    "ods": 0.05,
    "pdf": 0.12,
    "email": 0.12,
    "zip": 0.12,
    "docx": 0.02,
    "text": 0.14,
    "csv": 0.16,
}


def _vocabulary(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_WORDS = _vocabulary(
    "the of and to in a is that for on with as was by at this be from report meeting officer "
    "borough council data item please see attached note said will would should could team "
    "review stock order delivery invoice customer account payment pending complete returned "
    "training rota vehicle station custody property exhibit statement witness incident"
)


@dataclass(slots=True)
class BulkCorpus:
    """The files written, their formats and sizes, and every planted (file, subject) pair."""

    root: Path
    files: list[tuple[Path, str, int, str]] = field(default_factory=list)  # path, fmt, size, kind
    planted: set[tuple[str, str]] = field(default_factory=set)
    namesakes: set[tuple[str, str]] = field(default_factory=set)  # strangers a register matches


class _Filler:
    """Seeded sources of ordinary lines and of planted records."""

    def __init__(
        self,
        rng: random.Random,
        planted: Sequence[Person],
        today: date,
        keys: dict[tuple[str, str, date], str] | None = None,
    ) -> None:
        self.rng = rng
        self.people = planted
        self.today = today
        self.keys = keys or {}
        self.namesakes: set[str] = set()
        self.turn = 0
        self.kind = ""  # what the last file held: prose, log, export or people

    def words(self, low: int, high: int) -> str:
        return " ".join(self.rng.choices(_WORDS, k=self.rng.randint(low, high)))

    def recent(self) -> date:
        return self.today - timedelta(days=self.rng.randint(0, 3000))

    def stranger(self) -> tuple[str, str, date]:
        """Someone not on the register, though a large register may hold their namesake."""
        born = self.today - timedelta(days=self.rng.randint(14 * 365, 60 * 365))
        given, family = self.rng.choice(GIVEN), synthetic_surname(self.rng)
        namesake = self.keys.get((given, family, born))
        if namesake is not None:
            self.namesakes.add(namesake)
        return given, family, born

    def prose(self) -> str:
        sentence = self.words(6, 18).capitalize() + "."
        if self.rng.random() < 0.08:
            sentence += f" Ref {self.rng.randint(1000, 99999)} dated {self.recent():%d/%m/%Y}."
        if self.rng.random() < 0.05:
            given, family, _ = self.stranger()
            sentence += f" {given} {family} attended."
        return sentence

    def log(self) -> str:
        stamp = self.recent().isoformat() + f"T{self.rng.randint(0, 23):02d}:14:09Z"
        return f"{stamp} INFO {self.words(1, 1)}.{self.words(1, 1)} {self.words(4, 12)}"

    def export_row(self) -> list[Cell]:
        amount = self.rng.randint(100, 999_999) / 100
        return [
            self.rng.randint(10**6, 10**7),
            self.words(2, 4),
            amount,
            self.recent(),
            self.words(1, 2),
        ]

    def stranger_row(self) -> list[Cell]:
        given, family, born = self.stranger()
        return [family, given, born, self.words(1, 2)]

    def planted_rows(
        self, count: int, *, fixed: bool = False, sheet: bool = False
    ) -> tuple[list[list[Cell]], set[str]]:
        """Rows of registered people, mixing forms (or one export-like form when ``fixed``);
        in a ``sheet`` some dates of birth are bare serial numbers, as pasted values leave them."""
        rows: list[list[Cell]] = []
        ids: set[str] = set()
        for person in self.rng.sample(list(self.people), count):
            assert person.date_of_birth is not None
            self.turn += 1
            if fixed:
                rows.append([person.family_name, person.given_name, person.date_of_birth, "x"])
            else:
                born: Cell = written_forms(person.date_of_birth)[(self.turn * 5) % 12]
                if sheet and self.turn % 5 == 0:
                    born = excel_serial(person.date_of_birth)
                rows.append([name_forms(person)[self.turn % 12], born, "nominal"])
            ids.add(person.subject_id)
        return rows, ids


def _text(cells: Sequence[Cell], separator: str = ",") -> str:
    return separator.join(c.strftime("%d/%m/%Y") if isinstance(c, date) else str(c) for c in cells)


def generate_bulk(
    root: Path,
    *,
    total_bytes: int,
    planted: Sequence[Person],
    seed: int,
    today: date,
    register: Sequence[Person] = (),
    progress: Callable[[int], None] | None = None,
) -> BulkCorpus:
    """Write about ``total_bytes`` of files under ``root`` in the benchmark's format shares;
    strangers who share name and date of birth with someone on ``register`` are recorded."""
    rng = random.Random(seed)
    keys = {
        (p.given_name, p.family_name, p.date_of_birth): p.subject_id
        for p in register
        if p.date_of_birth is not None
    }
    filler = _Filler(rng, planted, today, keys)
    corpus = BulkCorpus(root)
    writers = {
        "xlsx": _xlsx,
        "ods": _ods,
        "pdf": _pdf,
        "email": _email,
        "zip": _zip,
        "docx": _docx,
        "text": _plain,
        "csv": _csv,
    }
    for fmt, share in SHARES.items():
        target, written, number = int(total_bytes * share), 0, 0
        (root / fmt).mkdir(parents=True, exist_ok=True)
        while written < target:
            number += 1
            size = min(target - written, _file_size(fmt, rng, total_bytes))
            filler.namesakes = set()
            path, ids = writers[fmt](root / fmt / f"{fmt}-{number:05d}", filler, max(size, 20_000))
            on_disk = path.stat().st_size
            written += on_disk
            corpus.files.append((path, fmt, on_disk, filler.kind))
            corpus.planted.update((str(path.relative_to(root)), i) for i in ids)
            corpus.namesakes.update((str(path.relative_to(root)), i) for i in filler.namesakes)
            if progress is not None:
                progress(on_disk)
    return corpus


def _file_size(fmt: str, rng: random.Random, total: int) -> int:
    largest = {"text": 24 << 20, "csv": 24 << 20, "xlsx": 8 << 20, "pdf": 4 << 20}
    ceiling = min(largest.get(fmt, 2 << 20), max(total // 40, 64 << 10))
    return rng.randint(ceiling // 8, ceiling)


def _lines(source: Callable[[], str], size: int) -> Iterator[str]:
    written = 0
    while written < size:
        line = source()
        written += len(line) + 1
        yield line


def _with_planted(filler: _Filler, lines: list[str], *, separator: str = ",") -> set[str]:
    """Plant an informal list in three files of ten, and one export-like row in one of five."""
    ids: set[str] = set()
    if filler.rng.random() < 0.3:
        rows, ids = filler.planted_rows(filler.rng.randint(5, 25))
        at = filler.rng.randrange(len(lines) + 1)
        lines[at:at] = [_text(r, separator) for r in rows]
    if filler.rng.random() < 0.2:
        rows, single = filler.planted_rows(1, fixed=True)
        lines.insert(filler.rng.randrange(len(lines) + 1), _text(rows[0], separator))
        ids |= single
    return ids


def _plain(stem: Path, filler: _Filler, size: int) -> tuple[Path, set[str]]:
    source = filler.log if filler.rng.random() < 0.4 else filler.prose
    filler.kind = "log" if source == filler.log else "prose"
    lines = list(_lines(source, size))
    ids = _with_planted(filler, lines, separator=" ")
    path = stem.with_suffix(".log" if source == filler.log else ".txt")
    path.write_text("\n".join(lines) + "\n")
    return path, ids


def _rows(filler: _Filler, size: int) -> list[list[Cell]]:
    people = filler.rng.random() < 0.15  # a list of people not on the register
    filler.kind = "people" if people else "export"
    source = filler.stranger_row if people else filler.export_row
    rows, written = [], 0
    while written < size:
        row = source()
        written += 12 + sum(len(str(c)) for c in row)
        rows.append(row)
    return rows


def _csv(stem: Path, filler: _Filler, size: int) -> tuple[Path, set[str]]:
    lines = [_text(row) for row in _rows(filler, size)]
    ids = _with_planted(filler, lines)
    path = stem.with_suffix(".csv")
    path.write_text("\n".join(lines) + "\n")
    return path, ids


def _sheet(filler: _Filler, size: int) -> tuple[list[list[Cell]], set[str]]:
    rows = _rows(filler, size)
    ids: set[str] = set()
    for chance, count, fixed in ((0.3, filler.rng.randint(5, 25), False), (0.2, 1, True)):
        if filler.rng.random() < chance:
            planted, more = filler.planted_rows(count, fixed=fixed, sheet=True)
            at = filler.rng.randrange(len(rows) + 1)
            rows[at:at] = planted
            ids |= more
    return rows, ids


def _xlsx(stem: Path, filler: _Filler, size: int) -> tuple[Path, set[str]]:
    rows, ids = _sheet(filler, size * 3)  # deflate shrinks the sheet's XML about threefold
    path = stem.with_suffix(".xlsx")
    write_xlsx_quickly(path, rows)
    return path, ids


def _ods(stem: Path, filler: _Filler, size: int) -> tuple[Path, set[str]]:
    rows, ids = _sheet(filler, size * 3)
    path = stem.with_suffix(".ods")
    write_ods(path, {"Sheet1": rows})
    return path, ids


def _pdf(stem: Path, filler: _Filler, size: int) -> tuple[Path, set[str]]:
    filler.kind = "prose"
    lines = list(_lines(filler.prose, size * 2))
    ids = _with_planted(filler, lines, separator=" | ")
    path = stem.with_suffix(".pdf")
    path.write_bytes(pdf_bytes(lines))
    return path, ids


def _docx(stem: Path, filler: _Filler, size: int) -> tuple[Path, set[str]]:
    filler.kind = "prose"
    paragraphs = list(_lines(filler.prose, min(size, 400_000)))
    ids = _with_planted(filler, paragraphs, separator=", ")
    path = stem.with_suffix(".docx")
    write_docx(path, paragraphs, [])
    return path, ids


def _attachment(filler: _Filler, size: int) -> tuple[str, bytes, set[str]]:
    kind = filler.rng.choice(["csv", "pdf", "zip"])
    lines = (
        [_text(r) for r in _rows(filler, size)]
        if kind != "pdf"
        else list(_lines(filler.prose, size))
    )
    ids = _with_planted(filler, lines)
    data = ("\n".join(lines) + "\n").encode()
    if kind == "pdf":
        return "report.pdf", pdf_bytes(lines), ids
    if kind == "zip":
        return "export.zip", zip_bytes([("export/data.csv", data)]), ids
    return "extract.csv", data, ids


def _email(stem: Path, filler: _Filler, size: int) -> tuple[Path, set[str]]:
    body_lines = list(_lines(filler.prose, min(size // 4, 20_000)))
    name, data, ids = _attachment(filler, size)
    message = eml_bytes(
        sender="officer@example.police.uk",
        to="colleague@example.police.uk",
        subject=filler.words(2, 5),
        body="\n".join(body_lines),
        attachments=[(name, data)],
    )
    path = stem.with_suffix(".eml")
    path.write_bytes(message)
    return path, ids


def _zip(stem: Path, filler: _Filler, size: int) -> tuple[Path, set[str]]:
    members, ids = [], set()
    for number in range(filler.rng.randint(1, 4)):
        lines = [_text(r) for r in _rows(filler, size)]
        ids |= _with_planted(filler, lines)
        members.append((f"export/part-{number}.csv", ("\n".join(lines) + "\n").encode()))
    path = stem.with_suffix(".zip")
    path.write_bytes(zip_bytes(members))
    return path, ids
