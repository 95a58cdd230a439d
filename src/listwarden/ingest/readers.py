"""Reading a legacy list row by row: CSV with the standard library, workbooks in ``sheets``.

A reader gives the header and then ``(row number, cells)`` for each non-blank row, numbered as a
spreadsheet numbers them (the header is row 1). ``rows()`` may be called more than once: the
import reads the file once to check its shape and once to load it. CSV, xlsx and ods stream
from disk in constant memory (``sheets`` says how). Library errors become ``MalformedFile``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.imports import Cell, MalformedFile, cell_text
from listwarden.ingest.sheets import SheetRows, ods_rows, xls_rows, xlsx_rows

SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})


class SheetReader(Protocol):
    """One sheet of a file, header first."""

    format: str

    def header(self) -> list[str]: ...

    def rows(self) -> Iterator[tuple[int, list[Cell]]]: ...


def _blank(cells: list[Cell]) -> bool:
    return all(cell_text(c) == "" for c in cells)


class CsvReader:
    """A UTF-8 CSV file (a byte-order mark is allowed), quoting checked strictly."""

    format = "csv"

    def __init__(self, path: Path) -> None:
        self.path = path

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        with self.path.open(encoding="utf-8-sig", newline="") as handle:
            number = 0
            # The reader's own errors are raised from its iteration, never from the code that
            # takes a record: one ``try`` around the loop, not one a record.
            try:
                for record in csv.reader(handle, strict=True):
                    number += 1
                    yield number, record
            except UnicodeDecodeError:
                raise MalformedFile("the file is not UTF-8 text", row=number + 1) from None
            except csv.Error as error:
                raise MalformedFile(f"the CSV is malformed: {error}", row=number + 1) from None

    def header(self) -> list[str]:
        for _, record in self._records():
            return [c.strip() for c in record]
        raise MalformedFile("the file is empty", row=1)

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        records = self._records()
        width = 0
        for _, header in records:
            width = len(header)
            break
        for number, record in records:
            # Most rows start with a cell that is not blank: only the others are looked at whole.
            if not record or (not record[0].strip() and _blank(list(record))):
                continue
            if len(record) != width:
                column = min(len(record), width) + 1
                detail = f"the row has {len(record)} cells where the header has {width}"
                raise MalformedFile(detail, row=number, column=column)
            yield number, list(record)


def open_reader(path: Path) -> SheetReader:
    """The reader for ``path`` by its suffix; refused if the file is missing or of another kind."""
    if not path.is_file():
        raise InvalidInput(f"no file {path}", reasons=[Reason("file-not-found", str(path), "file")])
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return CsvReader(path)
    if suffix in (".xlsx", ".xlsm"):
        return SheetRows(suffix.lstrip("."), xlsx_rows(path))
    if suffix == ".ods":
        return SheetRows("ods", ods_rows(path))
    if suffix == ".xls":
        return SheetRows("xls", xls_rows(path))
    raise InvalidInput(
        f"cannot import a {suffix or 'suffix-less'} file",
        reasons=[Reason("file-type-unsupported", "use .csv, .xlsx, .xlsm, .xls or .ods", "file")],
    )
