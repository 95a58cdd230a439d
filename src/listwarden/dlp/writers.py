"""Writing the test corpus's files: PDF (built by hand), ODS, xlsx, docx, e-mail and zip.

No library here writes PDF text, so ``write_pdf`` builds a small valid PDF itself (Helvetica,
WinAnsi, one compressed content stream a page, a correct cross-reference table). ODS is written
as its XML directly, which is fast enough for the benchmark's large sheets.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path
from xml.sax.saxutils import escape

Cell = str | int | float | date | None


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def pdf_bytes(lines: Sequence[str], *, lines_per_page: int = 60) -> bytes:
    """A PDF whose pages show ``lines`` in order, one text line each."""
    pages = [lines[i : i + lines_per_page] for i in range(0, len(lines), lines_per_page)] or [[]]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, written once the pages are numbered
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    kids: list[int] = []
    for page in pages:
        content = b"BT /F1 9 Tf 11 TL 36 806 Td " + b" ".join(
            _pdf_string(line) + b" Tj T*" for line in page
        )
        stream = zlib.compress(content + b" ET")
        objects.append(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
            + stream
            + b"\nendstream"
        )
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % len(objects)
        )
        kids.append(len(objects))
    refs = b" ".join(b"%d 0 R" % k for k in kids)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def write_xlsx(path: Path, sheets: dict[str, Iterable[Sequence[Cell]]]) -> None:
    """An xlsx workbook; ``date`` cells are stored as dates, numbers as numbers."""
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title=title)
        for row in rows:
            sheet.append([_as_datetime(c) for c in row])
    book.save(path)


def _as_datetime(cell: Cell) -> Cell | datetime:
    if isinstance(cell, date) and not isinstance(cell, datetime):
        return datetime(cell.year, cell.month, cell.day)
    return cell


def _is_day(cell: Cell) -> bool:
    return isinstance(cell, date) and not isinstance(cell, datetime)


_ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    "<office:body><office:spreadsheet>"
)
_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def _ods_cell(cell: Cell) -> str:
    if cell is None:
        return "<table:table-cell/>"
    if _is_day(cell):
        assert isinstance(cell, date)
        return (
            f'<table:table-cell office:value-type="date" office:date-value="{cell.isoformat()}">'
            f"<text:p>{cell.strftime('%d/%m/%Y')}</text:p></table:table-cell>"
        )
    if isinstance(cell, int | float):
        return (
            f'<table:table-cell office:value-type="float" office:value="{cell}">'
            f"<text:p>{cell}</text:p></table:table-cell>"
        )
    text = escape(str(cell))
    return (
        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    )


def write_ods(path: Path, sheets: dict[str, Iterable[Sequence[Cell]]]) -> None:
    """An OpenDocument spreadsheet, its content XML written row by row into the archive."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        with archive.open("content.xml", "w") as content:
            pending = [_ODS_HEAD]
            for title, rows in sheets.items():
                pending.append(f'<table:table table:name="{escape(title)}">')
                for row in rows:
                    cells = "".join(_ods_cell(c) for c in row)
                    pending.append(f"<table:table-row>{cells}</table:table-row>")
                    if len(pending) >= 2000:
                        content.write("".join(pending).encode())
                        pending = []
                pending.append("</table:table>")
            pending.append("</office:spreadsheet></office:body></office:document-content>")
            content.write("".join(pending).encode())


def write_docx(path: Path, paragraphs: Sequence[str], table: Sequence[Sequence[str]]) -> None:
    """A Word document with some paragraphs and one table."""
    from docx import Document

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=max(len(r) for r in table))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=False):
                cell.text = value
    document.save(str(path))


def zip_bytes(members: Sequence[tuple[str, bytes]]) -> bytes:
    """A zip archive (deflated) holding ``members``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def eml_bytes(
    *, sender: str, to: str, subject: str, body: str, attachments: Sequence[tuple[str, bytes]]
) -> bytes:
    """An e-mail message with a plain-text body and attachments (as a mail client saves it)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(body)
    for name, data in attachments:
        maintype, subtype = _mime(name)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def _mime(name: str) -> tuple[str, str]:
    suffix = Path(name).suffix.lower()
    return {
        ".zip": ("application", "zip"),
        ".csv": ("text", "csv"),
        ".pdf": ("application", "pdf"),
        ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    }.get(suffix, ("application", "octet-stream"))


def zip_bomb_bytes(inflated: int = 64 << 20) -> bytes:
    """A small archive that would inflate to ``inflated`` bytes of zeros."""
    out = io.BytesIO()
    block = bytes(1 << 20)
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("bomb.csv", "w") as member,
    ):
        for _ in range(inflated >> 20):
            member.write(block)
    return out.getvalue()


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types '
        'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook '
        'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><styleSheet '
        'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
        'xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/></cellXfs></styleSheet>'
    ),
}
_COLUMNS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _xlsx_cell(ref: str, cell: Cell) -> str:
    if cell is None:
        return ""
    if _is_day(cell):
        assert isinstance(cell, date)
        return f'<c r="{ref}" s="1"><v>{(cell - date(1899, 12, 30)).days}</v></c>'
    if isinstance(cell, int | float):
        return f'<c r="{ref}"><v>{cell}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(cell))}</t></is></c>'


def write_xlsx_quickly(path: Path, rows: Iterable[Sequence[Cell]]) -> None:
    """A one-sheet xlsx written as XML directly, as fast as the benchmark's gigabyte needs.

    Dates are numbers in a date format, as Excel stores them; text is inline rather than in a
    shared-string table, which readers treat alike.
    """
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in _XLSX_PARTS.items():
            archive.writestr(name, xml)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            pending = [
                '<?xml version="1.0" encoding="UTF-8"?><worksheet '
                'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            ]
            for number, row in enumerate(rows, start=1):
                cells = "".join(
                    _xlsx_cell(f"{_COLUMNS[i]}{number}", c) for i, c in enumerate(row[:26])
                )
                pending.append(f'<row r="{number}">{cells}</row>')
                if len(pending) >= 2000:
                    sheet.write("".join(pending).encode())
                    pending = []
            pending.append("</sheetData></worksheet>")
            sheet.write("".join(pending).encode())
