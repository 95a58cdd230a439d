"""Workbooks (xlsx, ods) stream in constant memory, and a malformed one is refused whole."""

from __future__ import annotations

import gc
import tracemalloc
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from listwarden.bootstrap import Register
from listwarden.demo.borough_sheet import HEADER, write_borough_file
from listwarden.dlp.writers import write_ods, write_xlsx
from listwarden.domain.imports import MalformedFile
from listwarden.ingest.readers import open_reader
from tests.integration.test_imports import good_row, run_import, setup, snapshot

SUFFIXES = (".xlsx", ".ods")


def _peak(work: Callable[[], object]) -> int:
    """The most Python memory ``work`` held at once, in bytes."""
    gc.collect()
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _warm(tmp_path: Path, suffix: str) -> None:
    """Read a small sheet once, so that the libraries' first-use allocations are not counted."""
    small = tmp_path / f"small{suffix}"
    write_borough_file(small, 20, today=date(2026, 1, 5), iao_id="iao", seed=9)
    for _ in open_reader(small).rows():
        pass


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_large_sheet_is_read_a_row_at_a_time(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"large{suffix}"
    write_borough_file(path, 10_000, today=date(2026, 1, 5), iao_id="iao")
    _warm(tmp_path, suffix)
    whole = _peak(lambda: list(open_reader(path).rows()))  # the baseline: the sheet held at once
    rows = 0

    def stream() -> None:
        nonlocal rows
        for _ in open_reader(path).rows():
            rows += 1

    streamed = _peak(stream)
    assert rows == 10_000
    assert streamed < whole / 8, (streamed, whole)


def test_importing_a_large_sheet_holds_a_batch_not_the_sheet(
    register: Register, tmp_path: Path
) -> None:
    """Four times the rows, the same memory: what grows with the sheet is the baseline only."""
    cast, matrix = setup(register)
    today = register.uow.today()
    peaks, wholes = [], []
    for n, rows in enumerate((100, 1_000, 4_000)):  # the first only pays first-use costs
        path = tmp_path / f"borough{n}.ods"
        write_borough_file(path, rows, today=today, iao_id=cast.iao.id, seed=n + 7)
        wholes.append(_peak(lambda path=path: list(open_reader(path).rows())))
        report = None

        def load(path: Path = path) -> None:
            nonlocal report
            report = run_import(register, cast, matrix, path, batch_size=100)

        peaks.append(_peak(load))
        assert report is not None
        assert report.loaded + report.quarantined == rows
    assert wholes[2] > 3 * wholes[1]  # holding the sheet grows with it...
    assert peaks[2] < 1.3 * peaks[1], peaks  # ...importing it does not
    assert peaks[2] < wholes[2], (peaks, wholes)


def _sheet(path: Path, rows: list[list[object]]) -> None:
    if path.suffix == ".xlsx":
        write_xlsx(path, {"Matrix": rows})  # type: ignore[dict-item]
    else:
        write_ods(path, {"Matrix": rows})  # type: ignore[dict-item]


def _good(n: int) -> list[object]:
    return list(good_row(n).values())


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_value_beyond_the_header_refuses_the_sheet_naming_its_cell(
    register: Register, tmp_path: Path, suffix: str
) -> None:
    cast, matrix = setup(register)
    keys_before = register.keystore.kek_usage()
    before = snapshot(register)
    rows: list[list[object]] = [list(HEADER)] + [_good(n) for n in range(1, 40)]
    rows[30] = [*rows[30], None, "stray note"]  # row 31 of the sheet, two columns past the header
    path = tmp_path / f"broken{suffix}"
    _sheet(path, rows)
    with pytest.raises(MalformedFile) as refused:
        run_import(register, cast, matrix, path, batch_size=10)
    width = len(HEADER)
    assert (refused.value.row, refused.value.column) == (31, width + 2)
    assert snapshot(register) == before
    assert register.keystore.kek_usage() == keys_before


def _truncate(path: Path, member: str) -> None:
    """Cut ``member`` of the archive off part-way, as a copy interrupted mid-write leaves it."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    data = parts[member]
    parts[member] = data[: len(data) * 2 // 3]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)


@pytest.mark.parametrize(
    ("suffix", "member"), [(".xlsx", "xl/worksheets/sheet1.xml"), (".ods", "content.xml")]
)
def test_a_sheet_cut_off_part_way_is_refused_and_nothing_is_half_imported(
    register: Register, tmp_path: Path, suffix: str, member: str
) -> None:
    cast, matrix = setup(register)
    keys_before = register.keystore.kek_usage()
    before = snapshot(register)
    path = tmp_path / f"cut{suffix}"
    write_borough_file(path, 600, today=register.uow.today(), iao_id=cast.iao.id)
    _truncate(path, member)
    with pytest.raises(MalformedFile) as refused:
        run_import(register, cast, matrix, path, batch_size=50)
    assert refused.value.row > 300  # the row the reader had reached, not the file's first
    assert refused.value.reasons[0].field == f"row {refused.value.row}"
    assert snapshot(register) == before
    assert register.keystore.kek_usage() == keys_before


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _excel_style_workbook(path: Path) -> None:
    """An xlsx as Excel writes one: shared strings (one in rich-text runs), a 1904 date system,
    a custom date format, a boolean, a formula's cached text, and cells and rows left out."""
    parts = {
        "xl/workbook.xml": f'<workbook {_NS} xmlns:r="{_R}"><workbookPr date1904="1"/>'
        '<sheets><sheet name="Matrix" sheetId="1" r:id="rId7"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId7" Target="worksheets/data.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        "</Relationships>",
        "xl/sharedStrings.xml": f"<sst {_NS}><si><t>Forename</t></si><si><t>DOB</t></si>"
        '<si><r><t>Ann</t></r><r><t xml:space="preserve">e Marie</t></r>'
        "<rPh><t>PHONETIC</t></rPh></si></sst>",
        "xl/styles.xml": f'<styleSheet {_NS}><numFmts><numFmt numFmtId="170" '
        'formatCode="dd/mm/yyyy"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="170"/>'
        "</cellXfs></styleSheet>",
        "xl/worksheets/data.xml": f"<worksheet {_NS}><sheetData>"
        '<row r="2"><c r="B2" t="s"><v>0</v></c><c r="C2" t="s"><v>1</v></c>'
        '<c r="D2" t="inlineStr"><is><t>Flag</t></is></c><c r="E2"><v>12</v></c></row>'
        '<row r="5"><c r="B5" t="s"><v>2</v></c><c r="C5" s="1"><v>1</v></c>'
        '<c r="D5" t="b"><v>1</v></c><c r="E5" t="str"><f>A1</f><v>made</v></c></row>'
        "</sheetData></worksheet>",
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, xml in parts.items():
            archive.writestr(name, xml)


def test_an_excel_style_workbook_is_read_cell_for_cell(tmp_path: Path) -> None:
    path = tmp_path / "excel.xlsx"
    _excel_style_workbook(path)
    reader = open_reader(path)
    assert reader.header() == ["", "Forename", "DOB", "Flag", "12"]
    assert list(reader.rows()) == [(5, [None, "Anne Marie", datetime(1904, 1, 2), True, "made"])]


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
_ENTITIES = '<!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'


@pytest.mark.parametrize(
    ("prolog", "text", "said"),
    [
        (_ENTITIES, "&b;", "EntitiesForbidden"),
        ("", 'a<text:s text:c="x"/>b', "not a number"),
        ("", 'a<text:s text:c="2000000000"/>b', "longer than a cell can hold"),
        ("", "<text:span>" * 5000 + "x" + "</text:span>" * 5000, "nested too deep"),
    ],
    ids=["entities", "space-count-not-a-number", "space-run-too-long", "nested-too-deep"],
)
def test_an_ods_whose_text_is_hostile_is_refused_as_malformed(
    tmp_path: Path, prolog: str, text: str, said: str
) -> None:
    path = tmp_path / "hostile.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "content.xml",
            f'<?xml version="1.0"?>{prolog}<office:document-content {_ODS_NS}><office:body>'
            "<office:spreadsheet><table:table><table:table-row>"
            f'<table:table-cell office:value-type="string"><text:p>{text}</text:p>'
            "</table:table-cell></table:table-row></table:table></office:spreadsheet>"
            "</office:body></office:document-content>",
        )
    with pytest.raises(MalformedFile, match=said) as refused:
        open_reader(path).header()
    assert refused.value.row == 1


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"])
def test_an_xlsx_part_read_whole_that_would_inflate_past_its_bound_is_refused(
    tmp_path: Path, part: str
) -> None:
    path = tmp_path / "bomb.xlsx"
    write_borough_file(path, 3, today=date(2026, 1, 5), iao_id="iao", seed=9)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    # 17 MiB of blanks after the root element: well-formed XML that deflates to a few KiB
    parts[part] = parts[part] + b" " * (17 * 1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(MalformedFile, match="would inflate") as refused:
        open_reader(path).header()
    assert refused.value.row == 1


def _with_shared_strings(path: Path, table: bytes) -> None:
    """The borough file with ``table`` as its shared-string part (openpyxl writes inline)."""
    write_borough_file(path, 3, today=date(2026, 1, 5), iao_id="iao", seed=9)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/sharedStrings.xml"] = table
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


_SST = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def test_a_shared_string_table_that_would_inflate_past_its_bound_is_refused(
    tmp_path: Path,
) -> None:
    """The table is held in memory whole: its inflated size is bounded before it is read."""
    path = tmp_path / "bomb.xlsx"
    _with_shared_strings(path, _SST + b" " * (65 * 1024 * 1024) + b"</sst>")
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(MalformedFile, match="would inflate") as refused:
        open_reader(path).header()
    assert refused.value.row == 1


def test_a_string_longer_than_a_cell_can_hold_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.xlsx"
    _with_shared_strings(path, _SST + b"<si><t>" + b"x" * 32_768 + b"</t></si></sst>")
    with pytest.raises(MalformedFile, match="longer than a cell can hold"):
        open_reader(path).header()
    fits = tmp_path / "fits.xlsx"
    _with_shared_strings(fits, _SST + b"<si><t>" + b"x" * 32_767 + b"</t></si></sst>")
    assert open_reader(fits).header()
