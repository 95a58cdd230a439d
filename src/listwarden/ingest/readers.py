"""Reading a legacy list row by row: CSV with the standard library, xlsx and ods with calamine.

A reader gives the header and then ``(row number, cells)`` for each non-blank row, numbered as a
spreadsheet numbers them (the header is row 1). ``rows()`` may be called more than once: the
import reads the file once to check its shape and once to load it. CSV streams from disk in
constant memory; calamine holds a workbook's cell grid in compact native form (it has no row
streaming) and hands Python one row at a time. Library errors become ``MalformedFile``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import python_calamine

from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.imports import Cell, MalformedFile, cell_text

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
            reader = csv.reader(handle, strict=True)
            number = 0
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError:
                    raise MalformedFile("the file is not UTF-8 text", row=number + 1) from None
                except csv.Error as error:
                    raise MalformedFile(f"the CSV is malformed: {error}", row=number + 1) from None
                number += 1
                yield number, record

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
            if not record or _blank(list(record)):
                continue
            if len(record) != width:
                column = min(len(record), width) + 1
                detail = f"the row has {len(record)} cells where the header has {width}"
                raise MalformedFile(detail, row=number, column=column)
            yield number, list(record)


class SpreadsheetReader:
    """The first sheet of an xlsx, xlsm, xls or ods workbook, read by calamine."""

    def __init__(self, path: Path) -> None:
        self.format = path.suffix.lower().lstrip(".")
        try:
            workbook = python_calamine.CalamineWorkbook.from_path(str(path))
            self._sheet = workbook.get_sheet_by_index(0)
        except Exception as error:  # noqa: BLE001 - calamine raises several unrelated types
            detail = f"the file cannot be read as {self.format}: {error}"
            raise MalformedFile(detail.splitlines()[0], row=1) from None
        self._first_row = self._sheet.start[0] + 1 if self._sheet.start else 1
        self._first_column = self._sheet.start[1] if self._sheet.start else 0

    def _all(self) -> Iterator[tuple[int, list[Cell]]]:
        pad: list[Cell] = [""] * self._first_column
        for offset, cells in enumerate(self._sheet.iter_rows()):
            yield self._first_row + offset, pad + list(cells)

    def header(self) -> list[str]:
        for _, cells in self._all():
            return [cell_text(c) for c in cells]
        raise MalformedFile("the sheet is empty", row=1)

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        records = self._all()
        next(records, None)
        for number, cells in records:
            if not _blank(cells):
                yield number, cells


def open_reader(path: Path) -> SheetReader:
    """The reader for ``path`` by its suffix; refused if the file is missing or of another kind."""
    if not path.is_file():
        raise InvalidInput(f"no file {path}", reasons=[Reason("file-not-found", str(path), "file")])
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return CsvReader(path)
    if suffix in SPREADSHEET_SUFFIXES:
        return SpreadsheetReader(path)
    raise InvalidInput(
        f"cannot import a {suffix or 'suffix-less'} file",
        reasons=[Reason("file-type-unsupported", "use .csv, .xlsx, .xlsm, .xls or .ods", "file")],
    )
