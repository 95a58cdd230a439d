"""What readers hand the scanner: pieces of text, problems, and the limits they read under."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class ByteSource(Protocol):
    """Anything bytes can be read from in pieces: an open file, or one that hashes as it reads."""

    def read(self, size: int = -1, /) -> bytes: ...


class ProblemKind(StrEnum):
    """Why a file or a part of one could not be read."""

    MALFORMED = "malformed"
    ENCRYPTED = "encrypted"
    LIMIT = "limit"  # a decompression bomb, an archive nested too deep, a part too large
    UNREADABLE = "unreadable"  # the operating system would not give us the bytes


@dataclass(frozen=True, slots=True)
class ReadProblem:
    """A part of a file that was skipped, and why; reported, never fatal."""

    part: str
    kind: ProblemKind
    detail: str


@dataclass(frozen=True, slots=True)
class TextPiece:
    """Consecutive text of one part of a file (a sheet, a page, an attachment), as UTF-8."""

    part: str
    fmt: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one file on disk may make the scanner inflate or hold in memory."""

    max_total_bytes: int = 2 << 30  # bytes inflated from archives, all depths together
    max_ratio: int = 200  # declared uncompressed size over compressed size, per member
    max_depth: int = 4  # archives and messages within archives and messages
    max_members: int = 20_000
    max_part_bytes: int = 256 << 20  # a nested container read into memory whole
    max_message_bytes: int = 256 << 20
    ods_dom_bytes: int = 2 << 20  # larger ODS content is streamed: odfpy holds it all as objects


Read = Iterator[TextPiece | ReadProblem]


class Budget:
    """The bytes a file on disk may still inflate, shared by every archive level inside it."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.remaining = limits.max_total_bytes

    def take(self, count: int) -> bool:
        self.remaining -= count
        return self.remaining >= 0


def zip_problem(archive: zipfile.ZipFile, budget: Budget) -> str | None:
    """Why an archive's declared contents are refused before anything is inflated, if they are."""
    infos = archive.infolist()
    limits = budget.limits
    if len(infos) > limits.max_members:
        return f"{len(infos)} members, more than the limit of {limits.max_members}"
    declared = sum(info.file_size for info in infos)
    if declared > budget.remaining:
        return f"{declared} bytes declared, more than the {budget.remaining} left to inflate"
    for info in infos:
        if info.file_size > 1 << 20 and info.file_size > limits.max_ratio * info.compress_size:
            return f"{info.filename!r} inflates {info.file_size // max(info.compress_size, 1)}:1"
    return None
