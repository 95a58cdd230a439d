"""A tiny BIFF8 workbook in an OLE2 compound file, built by hand for the xls reader's tests.

xlrd reads .xls but nothing installed writes it, so this writes the least a reader needs: the
workbook globals (BOF, one BOUNDSHEET, EOF) and one sheet of LABEL (text) cells, in a compound
file of one stream with a single FAT sector and a single directory sector.
"""

from __future__ import annotations

import struct

_END_OF_CHAIN, _FREE, _FAT_SECTOR, _NO_STREAM = -2, -1, -3, -1
_SECTOR = 512


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _bof(stream_type: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, stream_type, 0x0DBB, 1997, 0, 6))


def _workbook_stream(rows: list[list[str]], sheet: str) -> bytes:
    name = sheet.encode("utf-16-le")
    boundsheet_length = 4 + 8 + len(name)
    globals_length = len(_bof(5)) + boundsheet_length + 4
    boundsheet = _record(0x0085, struct.pack("<IBBBB", globals_length, 0, 0, len(sheet), 1) + name)
    cells = b"".join(
        _record(0x0204, struct.pack("<HHHHB", r, c, 15, len(text), 1) + text.encode("utf-16-le"))
        for r, row in enumerate(rows)
        for c, text in enumerate(row)
    )
    stream = _bof(5) + boundsheet + _record(0x000A, b"") + _bof(0x10) + cells + _record(0x0A, b"")
    return stream.ljust(max(4096, -(-len(stream) // _SECTOR) * _SECTOR), b"\x00")


def _entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    encoded = (name.encode("utf-16-le") + b"\x00\x00") if name else b""
    return (
        encoded.ljust(64, b"\x00")
        + struct.pack("<HBBiii", len(encoded), kind, 1, _NO_STREAM, _NO_STREAM, child)
        + bytes(16 + 4 + 16)
        + struct.pack("<iII", start, size, 0)
    )


def xls_bytes(rows: list[list[str]], *, sheet: str = "Sheet1") -> bytes:
    """An .xls file holding ``rows`` of text cells on one sheet."""
    stream = _workbook_stream(rows, sheet)
    count = len(stream) // _SECTOR
    assert count + 2 <= _SECTOR // 4, "one FAT sector is enough for small test workbooks"
    fat = [*range(1, count), _END_OF_CHAIN, _FAT_SECTOR, _END_OF_CHAIN]
    fat += [_FREE] * (_SECTOR // 4 - len(fat))
    directory = (
        _entry("Root Entry", 5, 1, _END_OF_CHAIN, 0)
        + _entry("Workbook", 2, _NO_STREAM, 0, len(stream))
        + _entry("", 0, _NO_STREAM, 0, 0) * 2
    )
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<iiiiiiiii", 0, 1, count + 1, 0, 4096, _END_OF_CHAIN, 0, _END_OF_CHAIN, 0)
        + struct.pack("<109i", count, *([_FREE] * 108))
    )
    return header + stream + struct.pack(f"<{_SECTOR // 4}i", *fat) + directory
