"""Text out of office documents and PDF: xlsx (openpyxl), xls (xlrd), ods (odfpy), docx, PDF.

Spreadsheet rows become lines with cells separated by tabs, so a person's name and date of birth
on one row land on one line of text, as the matcher's windows expect. Dates stored as dates are
written ISO; whole numbers in the range of spreadsheet serial dates are followed by the date they
would stand for, since a copied date column often loses its format and keeps only the serial.
Library errors and warnings stay here: a malformed file becomes a ``ReadProblem``.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from listwarden.dlp.dates import from_excel_serial
from listwarden.dlp.parts import Budget, ProblemKind, Read, ReadProblem, TextPiece, zip_problem

_PIECE = 1 << 19  # bytes of rows gathered into one piece
_SERIALS = range(5_000, 47_000)  # spreadsheet serial numbers of days from 1913 to 2028
_ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


def render_cell(value: object) -> str:
    """One spreadsheet cell as text, dates as ISO and likely serial dates with their reading."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value in _SERIALS:
        return f"{value} ({from_excel_serial(value).isoformat()})"
    return str(value)


def read_office(source: bytes | Path, part: str, fmt: str, budget: Budget) -> Read:
    """Text of an office document or PDF; every failure of its parser becomes a problem."""
    readers: dict[str, Callable[[Any, str, Budget], Read]] = {
        "xlsx": _xlsx,
        "xls": _xls,
        "ods": _ods,
        "docx": _docx,
        "pdf": _pdf,
    }
    stream: Any = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    if fmt in ("xlsx", "ods", "docx"):
        refused = _zip_refusal(stream, budget)
        if refused is not None:
            yield ReadProblem(part, *refused)
            return
    # A malformed file may make its parser raise anything at all: report it, never fail the scan.
    try:
        yield from _quietly(readers[fmt](stream, part, budget))
    except Exception as error:  # noqa: BLE001
        yield ReadProblem(part, ProblemKind.MALFORMED, f"{type(error).__name__}: {error}"[:300])


def _quietly(pieces: Read) -> Read:
    """Run a reader with its libraries' warnings silenced, a batch of work at a time."""
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            piece = next(pieces, None)
        if piece is None:
            return
        yield piece


def _zip_refusal(stream: Any, budget: Budget) -> tuple[ProblemKind, str] | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            refused = zip_problem(archive, budget)
            declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        return ProblemKind.MALFORMED, f"not a readable zip container: {error}"
    finally:
        if isinstance(stream, io.BytesIO):
            stream.seek(0)
    if refused is not None:
        return ProblemKind.LIMIT, refused
    budget.take(declared)
    return None


def _lines(rows: Iterable[Iterable[str]], part: str, fmt: str) -> Iterator[TextPiece]:
    batch: list[str] = []
    size = 0
    for cells in rows:
        line = "\t".join(cells).rstrip("\t")
        if line:
            batch.append(line)
            size += len(line) + 1
        if size >= _PIECE:
            yield TextPiece(part, fmt, ("\n".join(batch) + "\n").encode())
            batch, size = [], 0
    if batch:
        yield TextPiece(part, fmt, ("\n".join(batch) + "\n").encode())


def _xlsx(stream: Any, part: str, budget: Budget) -> Read:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    book = load_workbook(stream, read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            yield from _lines(([render_cell(v) for v in row] for row in rows), part, "xlsx")
    finally:
        book.close()


def _xls(stream: Any, part: str, budget: Budget) -> Read:
    import xlrd  # type: ignore[import-untyped]

    data = stream.getvalue() if isinstance(stream, io.BytesIO) else Path(stream).read_bytes()
    book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)

            def cells(row: int, sheet: Any = sheet) -> list[str]:
                out = []
                for cell in sheet.row(row):
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        out.append(render_cell(xlrd.xldate_as_datetime(cell.value, book.datemode)))
                    else:
                        out.append(render_cell(cell.value))
                return out

            yield from _lines((cells(r) for r in range(sheet.nrows)), part, "xls")
            book.unload_sheet(index)
    finally:
        book.release_resources()


def _ods(stream: Any, part: str, budget: Budget) -> Read:
    with zipfile.ZipFile(stream) as archive:
        content = archive.getinfo("content.xml")
        if content.file_size > budget.limits.ods_dom_bytes:
            with archive.open(content) as xml:
                yield from _lines(_ods_streamed(xml), part, "ods")
            return
    if isinstance(stream, io.BytesIO):
        stream.seek(0)
    yield from _lines(_ods_dom(stream), part, "ods")


def _ods_dom(stream: Any) -> Iterator[list[str]]:
    """Rows by odfpy, which loads the whole document: the usual, smaller sheets."""
    from odf import teletype  # type: ignore[import-untyped]
    from odf.opendocument import load  # type: ignore[import-untyped]
    from odf.table import TableCell, TableRow  # type: ignore[import-untyped]

    document = load(stream)
    for row in document.spreadsheet.getElementsByType(TableRow):
        cells = []
        for cell in row.getElementsByType(TableCell):
            text = teletype.extractText(cell)
            cells.append(
                _ods_text(text, cell.getAttribute("datevalue"), cell.getAttribute("value"))
            )
        yield cells


def _ods_streamed(xml: Any) -> Iterator[list[str]]:
    """Rows by an event parser over content.xml, for sheets too large to load at once."""
    from defusedxml.ElementTree import iterparse  # type: ignore[import-untyped]

    row_tag, cell_tag = f"{{{_ODF_TABLE}}}table-row", f"{{{_ODF_TABLE}}}table-cell"
    day_attribute = f"{{{_ODF_OFFICE}}}date-value"
    value_attribute = f"{{{_ODF_OFFICE}}}value"
    cells: list[str] = []
    for _event, element in iterparse(xml, events=("end",)):
        if element.tag == cell_tag:
            text = " ".join("".join(element.itertext()).split())
            value = element.get(value_attribute)
            cells.append(_ods_text(text, element.get(day_attribute), value))
            element.clear()
        elif element.tag == row_tag:
            yield cells
            cells = []
            element.clear()


def _ods_text(text: str, day: str | None, value: str | None) -> str:
    """A cell's shown text, with its stored date, or the date a serial number would stand for."""
    if day and day[:10] not in text:
        return f"{text} {day[:10]}"
    if value and not day:
        try:
            number = float(value)
        except ValueError:
            return text
        rendered = render_cell(number)
        return rendered if rendered != text and "(" in rendered else text
    return text


def _docx(stream: Any, part: str, budget: Budget) -> Read:
    from docx import Document

    document = Document(stream)
    paragraphs = ([p.text] for p in document.paragraphs)
    yield from _lines(paragraphs, part, "docx")
    for table in document.tables:
        rows = ([cell.text for cell in row.cells] for row in table.rows)
        yield from _lines(rows, part, "docx")


def _pdf(stream: Any, part: str, budget: Budget) -> Read:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    reader = PdfReader(stream, strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        yield ReadProblem(part, ProblemKind.ENCRYPTED, "PDF needs a password")
        return
    for number, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text()
        except (PdfReadError, ValueError, KeyError, TypeError) as error:
            yield ReadProblem(f"{part}#page={number}", ProblemKind.MALFORMED, str(error)[:300])
            continue
        yield TextPiece(part, "pdf", text.encode() + b"\n")
