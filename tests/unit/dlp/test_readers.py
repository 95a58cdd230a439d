"""Each reader gives the text of its format; hostile and broken files become problems."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest

from listwarden.dlp.office import render_cell
from listwarden.dlp.parts import Budget, Limits, ProblemKind, ReadProblem, TextPiece
from listwarden.dlp.readers import detect_format, read_container, read_path
from listwarden.dlp.writers import (
    Cell,
    eml_bytes,
    pdf_bytes,
    write_docx,
    write_ods,
    write_xlsx,
    zip_bomb_bytes,
    zip_bytes,
)
from tests.unit.dlp.xls_builder import xls_bytes

ROWS: list[list[Cell]] = [["Name", "DOB", "Serial"], ["Zoë O'Brien", date(2004, 7, 9), 38177]]


def _read(path: Path, limits: Limits | None = None) -> tuple[str, list[ReadProblem]]:
    fmt = detect_format(path.name, path.read_bytes()[:8192])
    assert fmt is not None
    pieces = list(read_path(path, fmt, budget=Budget(limits or Limits())))
    text = b"".join(p.data for p in pieces if isinstance(p, TextPiece)).decode()
    return text, [p for p in pieces if isinstance(p, ReadProblem)]


def test_xlsx_rows_become_tab_separated_lines_with_dates_in_iso(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "a.xlsx", {"Matrix": ROWS})
    text, problems = _read(tmp_path / "a.xlsx")
    assert text == "Name\tDOB\tSerial\nZoë O'Brien\t2004-07-09\t38177 (2004-07-09)\n"
    assert problems == []


@pytest.mark.parametrize("dom_bytes", [2 << 20, 0], ids=["odfpy", "streamed"])
def test_ods_is_read_whole_by_odfpy_or_streamed_when_large(tmp_path: Path, dom_bytes: int) -> None:
    write_ods(tmp_path / "a.ods", {"Matrix": ROWS})
    text, problems = _read(tmp_path / "a.ods", Limits(ods_dom_bytes=dom_bytes))
    assert "Zoë O'Brien\t09/07/2004 2004-07-09\t38177 (2004-07-09)" in text
    assert problems == []


def test_xls_text_cells_are_read_by_xlrd(tmp_path: Path) -> None:
    (tmp_path / "old.xls").write_bytes(xls_bytes([["Name", "DOB"], ["Zoë O'Brien", "09/07/2004"]]))
    text, problems = _read(tmp_path / "old.xls")
    assert text == "Name\tDOB\nZoë O'Brien\t09/07/2004\n"
    assert problems == []


def test_docx_paragraphs_and_tables(tmp_path: Path) -> None:
    write_docx(tmp_path / "a.docx", ["Briefing"], [["Name", "Born"], ["Zoë O'Brien", "9/7/04"]])
    text, _ = _read(tmp_path / "a.docx")
    assert text == "Briefing\nName\tBorn\nZoë O'Brien\t9/7/04\n"


def test_pdf_pages_give_their_lines(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(pdf_bytes([f"line {i} Zoë (x)" for i in range(90)]))
    text, problems = _read(tmp_path / "a.pdf")
    lines = [line for line in text.splitlines() if line]
    assert lines == [f"line {i} Zoë (x)" for i in range(90)]
    assert problems == []


def test_an_encrypted_pdf_is_reported(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(["secret"]))))
    writer.encrypt(user_password="pw", algorithm="RC4-128")
    with (tmp_path / "locked.pdf").open("wb") as handle:
        writer.write(handle)
    _, problems = _read(tmp_path / "locked.pdf")
    assert [p.kind for p in problems] == [ProblemKind.ENCRYPTED]


def test_email_headers_bodies_and_nested_attachments(tmp_path: Path) -> None:
    inner = zip_bytes([("list.csv", "Zoë O'Brien,09/07/2004\n".encode())])
    message = eml_bytes(
        sender="a@example.org",
        to="b@example.org",
        subject="list",
        body="see attached",
        attachments=[("list.zip", inner)],
    )
    path = tmp_path / "m.eml"
    path.write_bytes(message)
    pieces = list(read_path(path, "email", budget=Budget(Limits())))
    parts: dict[str, bytes] = {}
    for piece in pieces:
        if isinstance(piece, TextPiece):
            parts[piece.part] = parts.get(piece.part, b"") + piece.data
    assert b"Subject: list" in parts[str(path)]
    assert b"see attached" in parts[str(path)]
    assert parts[f"{path}!list.zip!list.csv"] == "Zoë O'Brien,09/07/2004\n".encode()


def test_utf16_text_is_reencoded_and_utf8_bom_dropped(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes("Zoë,09/07/2004\n".encode("utf-16"))
    (tmp_path / "b.csv").write_bytes(b"\xef\xbb\xbfname\n")
    assert _read(tmp_path / "a.txt")[0] == "Zoë,09/07/2004\n"
    assert _read(tmp_path / "b.csv")[0] == "name\n"


def _zip_reading(data: bytes, limits: Limits) -> list[ReadProblem]:
    pieces = read_container(data, "z.zip", "zip", 0, Budget(limits))
    return [p for p in pieces if isinstance(p, ReadProblem)]


def test_a_zip_bomb_is_refused_before_it_inflates() -> None:
    [problem] = _zip_reading(zip_bomb_bytes(8 << 20), Limits())
    assert problem.kind is ProblemKind.LIMIT
    assert "inflates" in problem.detail


def test_archives_nested_past_the_limit_are_refused() -> None:
    data = b"a,b\n"
    for level in range(4):
        data = zip_bytes([(f"level{level}.zip" if level else "x.csv", data)])
    [problem] = _zip_reading(data, Limits(max_depth=2))
    assert problem.kind is ProblemKind.LIMIT
    assert "nested" in problem.detail


def test_too_many_members_or_bytes_are_refused() -> None:
    many = zip_bytes([(f"{i}.txt", b"x") for i in range(11)])
    assert "members" in _zip_reading(many, Limits(max_members=10))[0].detail
    big = zip_bytes([("a.txt", bytes(range(256)) * 4096)])
    assert "declared" in _zip_reading(big, Limits(max_total_bytes=1 << 19))[0].detail


def test_a_member_that_inflates_past_its_declared_size_is_stopped() -> None:
    data = bytearray(zip_bytes([("a.txt", b"y" * 100_000)]))
    header = zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()[0]
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = (1000).to_bytes(4, "little")  # lie about the size
    assert header.file_size == 100_000
    problems = _zip_reading(bytes(data), Limits(max_total_bytes=50_000))
    assert [p.kind for p in problems] in ([ProblemKind.LIMIT], [ProblemKind.MALFORMED])


def test_a_truncated_archive_is_malformed() -> None:
    [problem] = _zip_reading(zip_bytes([("a.txt", b"x" * 1000)])[:50], Limits())
    assert problem.kind is ProblemKind.MALFORMED


@pytest.mark.parametrize(
    ("name", "head", "fmt"),
    [
        ("x.bin", b"%PDF-1.4", "pdf"),
        ("x", b"PK\x03\x04", "zip"),
        ("x", b"\xd0\xcf\x11\xe0", "xls"),
        ("mail", b"Received: from x", "email"),
        ("notes", b"plain words", "text"),
        ("photo.jpg", b"\xff\xd8\xff\x00\x10JFIF", None),
    ],
)
def test_formats_are_known_by_name_or_first_bytes(name: str, head: bytes, fmt: str | None) -> None:
    assert detect_format(name, head) == fmt


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (36194, "36194 (1999-02-03)"),
        (36194.0, "36194 (1999-02-03)"),
        (12.5, "12.5"),
        (99, "99"),
        (True, "True"),
        (date(1999, 2, 3), "1999-02-03"),
    ],
)
def test_cells_are_rendered_with_their_dates(value: object, text: str) -> None:
    assert render_cell(value) == text
