"""The CSV reader: rows numbered as a spreadsheet numbers them, blank rows skipped, and a file
that is not CSV in UTF-8 refused naming where."""

from __future__ import annotations

from pathlib import Path

import pytest

from listwarden.domain.imports import MalformedFile
from listwarden.ingest.readers import open_reader


def test_blank_rows_are_skipped_and_a_row_with_a_blank_first_cell_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("A,B,C\n1,2,3\n,,\n  , ,\t\n,x,\n\n4,5,6\n", encoding="utf-8")
    reader = open_reader(path)
    assert reader.header() == ["A", "B", "C"]
    assert list(reader.rows()) == [(2, ["1", "2", "3"]), (5, ["", "x", ""]), (7, ["4", "5", "6"])]
    assert list(reader.rows()) == list(reader.rows())  # read again, from the start


def test_a_ragged_row_is_refused_naming_its_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("A,B,C\n1,2,3\n,,\n4,5\n", encoding="utf-8")
    with pytest.raises(MalformedFile) as refused:
        list(open_reader(path).rows())
    assert (refused.value.row, refused.value.column) == (4, 3)


def test_a_file_that_is_not_utf_8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(b"A,B\n1,2\n" + b"caf\xe9,3\n")
    with pytest.raises(MalformedFile, match="not UTF-8"):
        list(open_reader(path).rows())


def test_a_quote_left_open_is_refused_naming_the_row_it_began_on(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text('A,B\n1,2\n3,"open\n', encoding="utf-8")
    with pytest.raises(MalformedFile, match="malformed") as refused:
        list(open_reader(path).rows())
    assert refused.value.row == 3
