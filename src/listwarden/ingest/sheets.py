"""Reading the first sheet of a workbook row by row, in constant memory.

Both XML formats are read here by an event parser (defusedxml's, which refuses entity tricks)
that drops each row from the tree once it is read, so memory holds one row whatever the size.
xlsx and xlsm: the sheet's XML, with the shared-string table (the one part that grows with
the file: one entry per distinct text) and, from openpyxl, the rules for which cell styles are
dates. openpyxl's own read-only mode is not used: it keeps every row's (emptied) element, and
sizes a sheet without a stated dimension by parsing it all before the first row. ods: the first
table of ``content.xml``; a run of repeated blank rows or cells (LibreOffice writes a million
of them after the data) is counted, never built. The legacy binary xls, at most 65,536 rows by
its format, is read by calamine.

Every reader yields ``(row number, cells)`` for every row, numbered as the spreadsheet numbers
them; ``SheetRows`` turns that into a header and non-blank rows, refusing a row with a value
beyond the header's last column. A file the library cannot parse becomes ``MalformedFile``
with the row reached; so does a small part read whole (workbook, relations, styles) that would
inflate past ``MAX_PART_BYTES``, a shared-string table past ``MAX_SHARED_BYTES``, and a string
longer than a cell can hold.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from defusedxml.ElementTree import ParseError, fromstring, iterparse  # type: ignore[import-untyped]

from listwarden.domain.imports import Cell, MalformedFile, cell_text

RowSource = Callable[[], Iterator[tuple[int, list[Cell]]]]

_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_T_TABLE, _T_ROW = f"{{{_TABLE}}}table", f"{{{_TABLE}}}table-row"
_T_CELL, _T_COVERED = f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell"
_ROWS_REPEATED = f"{{{_TABLE}}}number-rows-repeated"
_COLUMNS_REPEATED = f"{{{_TABLE}}}number-columns-repeated"
_VALUE_TYPE, _VALUE = f"{{{_OFFICE}}}value-type", f"{{{_OFFICE}}}value"
_DATE_VALUE, _BOOLEAN_VALUE = f"{{{_OFFICE}}}date-value", f"{{{_OFFICE}}}boolean-value"
_P, _SPACE = f"{{{_TEXT}}}p", f"{{{_TEXT}}}s"
_TAB, _LINE_BREAK = f"{{{_TEXT}}}tab", f"{{{_TEXT}}}line-break"
_NUMERIC = frozenset({"float", "percentage", "currency"})
MAX_ROWS = 1_048_576  # the most rows a sheet holds (Excel, LibreOffice)
MAX_COLUMNS = 16_384
MAX_CELL_TEXT = 32_767  # the most characters an Excel cell holds


def _blank(cells: list[Cell]) -> bool:
    return all(cell_text(c) == "" for c in cells)


class SheetRows:
    """One sheet's header (its first non-blank row) and its data rows, as the import reads them."""

    def __init__(self, fmt: str, source: RowSource) -> None:
        self.format, self._source = fmt, source

    def header(self) -> list[str]:
        for _, cells in self._source():
            if not _blank(cells):
                return [cell_text(c) for c in _trimmed(cells)]
        raise MalformedFile("the sheet is empty", row=1)

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        records = self._source()
        width = 0
        for _, cells in records:
            if not _blank(cells):
                width = len(_trimmed(cells))
                break
        for number, cells in records:
            if _blank(cells):
                continue
            if len(cells) > width:
                beyond = [n for n, c in enumerate(cells[width:], start=width) if cell_text(c)]
                if beyond:
                    detail = f"a value lies beyond the header's {width} columns"
                    raise MalformedFile(detail, row=number, column=beyond[0] + 1)
                cells = cells[:width]
            elif len(cells) < width:
                cells = cells + [None] * (width - len(cells))
            yield number, cells


def _trimmed(cells: list[Cell]) -> list[Cell]:
    end = len(cells)
    while end and cell_text(cells[end - 1]) == "":
        end -= 1
    return cells[:end]


# xlsx and xlsm: the sheet's XML parsed as a stream, each row dropped once read.

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_X_ROW, _X_CELL, _X_VALUE = f"{{{_MAIN}}}row", f"{{{_MAIN}}}c", f"{{{_MAIN}}}v"
_X_TEXT, _X_RUN, _X_INLINE = f"{{{_MAIN}}}t", f"{{{_MAIN}}}r", f"{{{_MAIN}}}is"
_X_SHARED, _X_DATA = f"{{{_MAIN}}}si", f"{{{_MAIN}}}sheetData"


def _rich_text(element: Any) -> str:
    """The text of a shared or inline string: its ``t``, or its runs' (phonetic runs left out).

    Longer than a cell can hold is a malformed file (``ValueError``), so that a shared-string
    table can never hold more than its strings' bounded length.
    """
    parts = []
    for child in element:
        if child.tag == _X_TEXT:
            parts.append(child.text or "")
        elif child.tag == _X_RUN:
            parts.extend(t.text or "" for t in child if t.tag == _X_TEXT)
    text = "".join(parts)
    if len(text) > MAX_CELL_TEXT:
        raise ValueError(f"a string of {len(text)} characters is longer than a cell can hold")
    return text


def _column_number(reference: str) -> int:
    number = 0
    for char in reference:
        if not char.isalpha():
            break
        number = number * 26 + ord(char.upper()) - 64
    return number


MAX_PART_BYTES = 16 * 1024 * 1024  # a workbook's, its relations' or its styles' XML, read whole
MAX_SHARED_BYTES = 64 * 1024 * 1024  # the shared-string table, which is held in memory


def _bounded(archive: zipfile.ZipFile, name: str, limit: int) -> None:
    """Refuse a part that would inflate past ``limit`` (a zip bomb). zipfile stops at the size
    the entry declares, and a stream cut short by that fails its CRC, so the declared size
    bounds what is inflated."""
    size = archive.getinfo(name).file_size
    if size > limit:
        raise ValueError(f"{name} would inflate to {size} bytes, past {limit}")


def _read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    """A small part of the package, read whole, within ``MAX_PART_BYTES``."""
    _bounded(archive, name, MAX_PART_BYTES)
    return archive.read(name)


class _Workbook:
    """What reading the first sheet needs from the rest of the package: where it is, its
    shared strings, which cell styles are dates, and the date system (1900 or 1904)."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format  # type: ignore[import-untyped]
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900  # type: ignore[import-untyped]

        book = fromstring(_read_part(archive, "xl/workbook.xml"))
        properties = book.find(f"{{{_MAIN}}}workbookPr")
        date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        first = book.find(f"{{{_MAIN}}}sheets/{{{_MAIN}}}sheet")
        if first is None:
            raise KeyError("the workbook names no sheet")
        relations = fromstring(_read_part(archive, "xl/_rels/workbook.xml.rels"))
        targets = {
            r.get("Id"): r.get("Target", "")
            for r in relations.iter(f"{{{_PACKAGE_REL}}}Relationship")
        }
        self.sheet_path = self._part(targets[first.get(f"{{{_OFFICE_REL}}}id")])
        self.shared: list[str] = []
        if "xl/sharedStrings.xml" in archive.namelist():
            _bounded(archive, "xl/sharedStrings.xml", MAX_SHARED_BYTES)
            with archive.open("xl/sharedStrings.xml") as stream:
                root = None
                for event, element in iterparse(stream, events=("start", "end")):
                    if root is None:
                        root = element
                    elif event == "end" and element.tag == _X_SHARED:
                        self.shared.append(_rich_text(element))
                        root.remove(element)
        self.date_styles: set[int] = set()
        if "xl/styles.xml" in archive.namelist():
            styles = fromstring(_read_part(archive, "xl/styles.xml"))
            formats = dict(BUILTIN_FORMATS)
            for f in styles.iter(f"{{{_MAIN}}}numFmt"):
                formats[int(f.get("numFmtId", "0"))] = f.get("formatCode", "")
            cell_styles = styles.find(f"{{{_MAIN}}}cellXfs")
            for n, xf in enumerate(cell_styles if cell_styles is not None else []):
                code = formats.get(int(xf.get("numFmtId", "0")), "")
                if code and is_date_format(code):
                    self.date_styles.add(n)

    @staticmethod
    def _part(target: str) -> str:
        return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


class _XlsxSheet:
    """The first sheet's rows out of parse events; ``number`` is the last row reached."""

    def __init__(self, book: _Workbook) -> None:
        from openpyxl.utils.datetime import from_excel

        self.book, self.number, self._from_excel = book, 0, from_excel

    def value(self, cell: Any, column: int) -> Cell:
        kind, raw = cell.get("t", "n"), cell.findtext(_X_VALUE)
        try:
            if kind == "s":
                shared: str = self.book.shared[int(raw or "")]
                return shared
            if kind == "inlineStr":
                inline = cell.find(_X_INLINE)
                return _rich_text(inline) if inline is not None else None
            if raw is None:
                return None
            if kind in ("str", "e"):  # a formula's text, or its error (#REF!): shown as text
                return str(raw)
            if kind == "b":
                return bool(raw == "1")
            if kind == "d":
                return datetime.fromisoformat(raw)
            number = float(raw)
            if int(cell.get("s", "0")) in self.book.date_styles:
                moment: datetime = self._from_excel(number, self.book.epoch)
                return moment
            return int(number) if number.is_integer() and "." not in raw else number
        except (ValueError, IndexError, OverflowError):
            detail = f"the cell's stored value {raw!r} is not a valid {kind}"
            raise MalformedFile(detail, row=self.number + 1, column=column) from None

    def rows(self, events: Any) -> Iterator[tuple[int, list[Cell]]]:
        parent = None  # sheetData, whose children the rows are
        cells: list[Cell] = []
        for event, element in events:
            tag = element.tag
            if event == "start":
                if tag == _X_DATA:
                    parent = element
                continue
            if tag == _X_CELL:
                reference = element.get("r")
                column = _column_number(reference) if reference else len(cells) + 1
                if column > MAX_COLUMNS or column <= len(cells):
                    raise MalformedFile(
                        "the cell is out of order", row=self.number + 1, column=column
                    )
                value = self.value(element, column)
                if value is not None:
                    cells.extend([None] * (column - 1 - len(cells)))
                    cells.append(value)
            elif tag == _X_ROW:
                stated = element.get("r")
                number = int(stated) if stated and stated.isdigit() else self.number + 1
                if number <= self.number or number > MAX_ROWS:
                    raise MalformedFile("the row is out of order", row=self.number + 1)
                self.number = number
                yield number, cells
                cells = []
                element.clear()
                if parent is not None:
                    parent.remove(element)  # so the tree never holds more than this row


def xlsx_rows(path: Path) -> RowSource:
    """The rows of the first sheet of ``path``, parsed as a stream each time it is called."""

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise _unreadable("xlsx", error, row=1) from None
        sheet: _XlsxSheet | None = None
        try:
            book = _Workbook(archive)
            sheet = _XlsxSheet(book)
            with archive.open(book.sheet_path) as stream:
                yield from sheet.rows(iterparse(stream, events=("start", "end")))
        except (ParseError, KeyError, ValueError, zipfile.BadZipFile, EOFError, OSError) as error:
            raise _unreadable("xlsx", error, row=(sheet.number if sheet else 0) + 1) from None
        finally:
            archive.close()

    return rows


def _unreadable(fmt: str, error: Exception, *, row: int) -> MalformedFile:
    detail = f"the file cannot be read as {fmt}: {error}".splitlines()[0]
    return MalformedFile(detail, row=row)


# ods, by an event parser over content.xml.


def _paragraph_text(element: Any, row: int, column: int) -> str:
    """A ``text:p``'s text, with its spaces (``text:s``), tabs and line breaks."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == _SPACE:
            count = _repeats(child, f"{{{_TEXT}}}c", row)
            if count > MAX_CELL_TEXT:
                detail = f"a run of {count} spaces is longer than a cell can hold"
                raise MalformedFile(detail, row=row, column=column)
            parts.append(" " * count)
        elif child.tag == _TAB:
            parts.append("\t")
        elif child.tag == _LINE_BREAK:
            parts.append("\n")
        else:
            parts.append(_paragraph_text(child, row, column))
        parts.append(child.tail or "")
    return "".join(parts)


def _ods_cell(element: Any, row: int, column: int) -> Cell:
    kind = element.get(_VALUE_TYPE)
    try:
        if kind in _NUMERIC:
            return float(element.get(_VALUE))
        if kind == "date":
            stamp = element.get(_DATE_VALUE, "")
            return datetime.fromisoformat(stamp) if "T" in stamp else date.fromisoformat(stamp)
        if kind == "boolean":
            return bool(element.get(_BOOLEAN_VALUE) == "true")
    except (TypeError, ValueError):
        detail = f"the cell's stored {kind} value is not one"
        raise MalformedFile(detail, row=row, column=column) from None
    paragraphs = [_paragraph_text(p, row, column) for p in element if p.tag == _P]
    return "\n".join(paragraphs) if paragraphs else None


def _repeats(element: Any, attribute: str, row: int) -> int:
    """A run's repeat count (a blank run is only counted; the caller bounds a run of values)."""
    try:
        count = int(element.get(attribute, "1"))
    except ValueError:
        detail = f"a repeat count is not a number: {element.get(attribute)!r}"
        raise MalformedFile(detail, row=row) from None
    return max(count, 1)


def ods_rows(path: Path) -> RowSource:
    """The rows of the first table of ``path``'s content.xml, parsed as a stream."""

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        try:
            archive = zipfile.ZipFile(path)
            content = archive.open("content.xml")
        except (zipfile.BadZipFile, KeyError, OSError) as error:
            raise _unreadable("ods", error, row=1) from None
        table = _OdsTable()
        try:
            yield from table.rows(iterparse(content, events=("start", "end")))
        except RecursionError:  # text nested deeper than any editor writes
            raise MalformedFile(
                "the cell's text is nested too deep", row=table.number + 1
            ) from None
        except (ParseError, ValueError, zipfile.BadZipFile, EOFError, OSError) as error:
            # ValueError: defusedxml's refusals (an entity declared, an external reference)
            raise _unreadable("ods", error, row=table.number + 1) from None
        finally:
            content.close()
            archive.close()

    return rows


class _OdsTable:
    """The first table's rows out of parse events; ``number`` is the last row reached."""

    def __init__(self) -> None:
        self.number = 0

    def rows(self, events: Any) -> Iterator[tuple[int, list[Cell]]]:
        stack: list[Any] = []
        depth = 0  # tables open: 1 inside the sheet, more inside a table embedded in a cell
        cells: list[Cell] = []
        blanks = 0  # blank cells since the last value, made only if a value follows them
        for event, element in events:
            tag = element.tag
            if event == "start":
                stack.append(element)
                depth += tag == _T_TABLE
                continue
            stack.pop()
            if tag == _T_TABLE:
                depth -= 1
                if depth == 0:
                    return  # the first sheet is read
            if depth != 1:
                continue
            if tag in (_T_CELL, _T_COVERED):
                row, column = self.number + 1, len(cells) + blanks + 1
                repeat = _repeats(element, _COLUMNS_REPEATED, row)
                value = _ods_cell(element, row, column)
                if value is None or cell_text(value) == "":
                    blanks += repeat
                elif column + repeat - 1 > MAX_COLUMNS:
                    raise MalformedFile("the row is wider than a sheet can be", row=row)
                else:
                    cells.extend([None] * blanks)
                    cells.extend([value] * repeat)
                    blanks = 0
                element.clear()
            elif tag == _T_ROW:
                repeat = _repeats(element, _ROWS_REPEATED, self.number + 1)
                if cells and self.number + repeat > MAX_ROWS:
                    raise MalformedFile("the sheet is longer than a sheet can be", row=MAX_ROWS)
                if cells:
                    for _ in range(repeat):
                        self.number += 1
                        yield self.number, list(cells)
                else:
                    self.number += repeat
                cells, blanks = [], 0
                element.clear()
                stack[-1].remove(element)  # so the tree never holds more than this row


# xls, the binary format before 2007, by calamine.


def xls_rows(path: Path) -> RowSource:
    """The rows of the first sheet of an xls workbook, its grid held by calamine."""

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        import python_calamine

        try:
            sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        except Exception as error:  # noqa: BLE001 - calamine raises several unrelated types
            raise _unreadable("xls", error, row=1) from None
        first_row = sheet.start[0] + 1 if sheet.start else 1
        pad: list[Cell] = [None] * (sheet.start[1] if sheet.start else 0)
        for offset, cells in enumerate(sheet.iter_rows()):
            yield first_row + offset, pad + list(cells)

    return rows
