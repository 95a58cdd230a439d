"""Streaming text out of files: plain text and CSV, e-mail with attachments, zip archives.

Every reader yields ``TextPiece``s (UTF-8 bytes, in order, for one named part of a file) and
``ReadProblem``s; nothing a file contains can stop a scan. Archives are read under ``Limits``
shared by everything inside one file on disk, so a decompression bomb is refused before it is
inflated (declared ratio, declared size) and stopped while it inflates (bytes actually read).
Office formats and PDF are in ``office``.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import html
import io
import re
import zipfile
from email.message import Message
from pathlib import Path

from listwarden.dlp import office
from listwarden.dlp.parts import (
    Budget,
    ByteSource,
    ProblemKind,
    Read,
    ReadProblem,
    TextPiece,
    zip_problem,
)

_READ = 1 << 20


_SUFFIXES = {
    **dict.fromkeys((".txt", ".log", ".md", ".json", ".xml", ".html", ".htm", ".rtf"), "text"),
    **dict.fromkeys((".csv", ".tsv", ".psv", ".tab"), "csv"),
    **dict.fromkeys((".xlsx", ".xlsm"), "xlsx"),
    ".xls": "xls",
    ".ods": "ods",
    ".docx": "docx",
    ".pdf": "pdf",
    **dict.fromkeys((".eml", ".msg.eml"), "email"),
    ".zip": "zip",
}
_MAIL_HEADERS = re.compile(rb"^(?:From |Received:|Return-Path:|MIME-Version:|Message-ID:)", re.I)


def detect_format(name: str, head: bytes) -> str | None:
    """The reader for a file, from its name and first bytes; None for binary we cannot read."""
    fmt = _SUFFIXES.get(Path(name).suffix.lower())
    if fmt is not None:
        return fmt
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if _MAIL_HEADERS.match(head):
        return "email"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" not in head[:8192]:
        return "text"
    return None


def read_path(path: Path, fmt: str, *, budget: Budget, stream: ByteSource | None = None) -> Read:
    """Text of a file on disk; a text or e-mail file is read from ``stream`` when one is given."""
    if fmt in ("text", "csv"):
        if stream is not None:
            yield from read_text_stream(stream, str(path), fmt)
            return
        with path.open("rb") as handle:
            yield from read_text_stream(handle, str(path), fmt)
    elif fmt == "email":
        if path.stat().st_size > budget.limits.max_message_bytes:
            yield ReadProblem(str(path), ProblemKind.LIMIT, "message larger than the limit")
            return
        data = stream.read() if stream is not None else path.read_bytes()
        yield from read_email(data, str(path), 0, budget)
    else:
        yield from read_container(path, str(path), fmt, 0, budget)


def read_container(source: bytes | Path, part: str, fmt: str, depth: int, budget: Budget) -> Read:
    """Text of one file or nested part in any supported format (``source`` bytes or a path)."""
    if depth > budget.limits.max_depth:
        yield ReadProblem(part, ProblemKind.LIMIT, "nested deeper than the limit")
        return
    if fmt in ("text", "csv"):
        data = source if isinstance(source, bytes) else source.read_bytes()
        yield from read_text_stream(io.BytesIO(data), part, fmt)
    elif fmt == "zip":
        yield from read_zip(source, part, depth, budget)
    elif fmt == "email":
        data = source if isinstance(source, bytes) else source.read_bytes()
        yield from read_email(data, part, depth, budget)
    else:
        yield from office.read_office(source, part, fmt, budget)


def read_text_stream(stream: ByteSource, part: str, fmt: str) -> Read:
    """Plain text in chunks: UTF-16 re-encoded as UTF-8; other bytes passed through as they are."""
    head = stream.read(_READ)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
        while head:
            yield TextPiece(part, fmt, decoder.decode(head).encode())
            head = stream.read(_READ)
        return
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    while head:
        yield TextPiece(part, fmt, head)
        head = stream.read(_READ)


def read_zip(source: bytes | Path, part: str, depth: int, budget: Budget) -> Read:
    """Every member of a zip archive, recursively, within the limits; each problem reported."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        yield ReadProblem(part, ProblemKind.MALFORMED, f"not a readable zip archive: {error}")
        return
    with archive:
        refused = zip_problem(archive, budget)
        if refused is not None:
            yield ReadProblem(part, ProblemKind.LIMIT, refused)
            return
        for info in archive.infolist():
            if not info.is_dir():
                yield from _read_member(archive, info, f"{part}!{info.filename}", depth, budget)


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, part: str, depth: int, budget: Budget
) -> Read:
    if info.flag_bits & 0x1:
        yield ReadProblem(part, ProblemKind.ENCRYPTED, "encrypted member")
        return
    try:
        with archive.open(info) as member:
            head = member.read(8192)
            fmt = detect_format(info.filename, head)
            if fmt is None:
                return
            if fmt in ("text", "csv"):
                data = head
                while data:
                    if not budget.take(len(data)):
                        yield ReadProblem(part, ProblemKind.LIMIT, "inflated past the limit")
                        return
                    yield TextPiece(part, fmt, data)
                    data = member.read(_READ)
                return
            whole = head + member.read(budget.limits.max_part_bytes + 1 - len(head))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        yield ReadProblem(part, ProblemKind.MALFORMED, f"member could not be inflated: {error}")
        return
    if len(whole) > budget.limits.max_part_bytes or not budget.take(len(whole)):
        yield ReadProblem(part, ProblemKind.LIMIT, "nested part larger than the limit")
        return
    yield from read_container(whole, part, fmt, depth + 1, budget)


_TAG = re.compile(r"<[^>]{0,2000}>")


def read_email(data: bytes, part: str, depth: int, budget: Budget) -> Read:
    """An e-mail message: its headers, text and HTML bodies, and every attachment, recursed."""
    try:
        yield from _email_parts(data, part, depth, budget)
    except (ValueError, TypeError, LookupError, IndexError, AttributeError) as error:
        # The parser is lenient, but a header it cannot model raises from deep inside it.
        yield ReadProblem(part, ProblemKind.MALFORMED, f"unreadable message: {error}"[:300])


def _email_parts(data: bytes, part: str, depth: int, budget: Budget) -> Read:
    message = email.message_from_bytes(data, policy=email.policy.default)
    headers = "\n".join(f"{k}: {message.get(k, '')}" for k in ("From", "To", "Cc", "Subject"))
    yield TextPiece(part, "email", headers.encode() + b"\n")
    for number, section in enumerate(message.walk()):
        if section.is_multipart():
            continue
        filename = section.get_filename()
        if filename or section.get_content_disposition() == "attachment":
            payload = section.get_payload(decode=True)
            name = filename or f"attachment-{number}"
            if not isinstance(payload, bytes):
                yield ReadProblem(f"{part}!{name}", ProblemKind.MALFORMED, "no attachment body")
                continue
            fmt = detect_format(name, payload[:8192])
            if fmt is not None and budget.take(len(payload)):
                yield from read_container(payload, f"{part}!{name}", fmt, depth + 1, budget)
            elif fmt is not None:
                yield ReadProblem(f"{part}!{name}", ProblemKind.LIMIT, "attachments past the limit")
            continue
        kind = section.get_content_type()
        if kind in ("text/plain", "text/html"):
            text = _body_text(section)
            if kind == "text/html":
                text = html.unescape(_TAG.sub(" ", text))
            yield TextPiece(part, "email", text.encode() + b"\n")


def _body_text(section: Message) -> str:
    payload = section.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = section.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        return payload.decode("utf-8", errors="replace")
