"""The scan: walk paths, read each file, match its text in chunks, and score it as a finding.

A person is a strong match when their name stands beside their date of birth, a nickname or
an identifier (or a nickname beside their date of birth); a name alone is weak. A file with
``informal_threshold`` or more people strongly matched (default five) is an informal list: the
failure the Commissioner found on officers' drives (EN 50). Findings name people by subject id
only, never by name, and report erased people by the token that matched.

Chance. In a long list of other people with their dates of birth, a large register will share
some name and date of birth with strangers. The file itself shows how often: its near misses
(lines with the family name and date of birth of someone registered, but another given name),
times the chance that two people share a given name, is the number of whole matches that chance
alone would make. Where the people matched only alone among others' dates of birth (never
beside another person matched, and with no nickname or identifier) are no more than that (within
three standard deviations), they are reported as weak: possible namesakes, not evidence of a
copy. People matched beside others, as an informal list has them, are never weakened.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from listwarden.dlp.fingerprint import ChunkMatches, Fingerprint
from listwarden.dlp.parts import Budget, ByteSource, Limits, ProblemKind, Read, ReadProblem
from listwarden.dlp.readers import detect_format, read_path

STRONG_EVIDENCE = frozenset({"dob", "nickname", "identifier"})
BEYOND_CHANCE = frozenset({"nickname", "identifier"})  # evidence no namesake would share
_TAG = re.compile(rb"(?<![0-9A-Za-z])[0-9a-fA-F]{16,64}(?![0-9A-Za-z])")
_HAS_DIGIT = re.compile(rb"[0-9]")
_HAS_HEX_LETTER = re.compile(rb"[a-fA-F]")


class Strength(StrEnum):
    """How surely a file holds people of the register."""

    NONE = "none"
    WEAK = "weak"  # names alone, which common names make unreliable
    STRONG = "strong"  # a name beside a date of birth, nickname or identifier


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """How a scan reads and scores; the defaults suit a force's shared drives."""

    informal_threshold: int = 5
    chunk_bytes: int = 1 << 20
    overlap: int = 4096  # bytes carried into the next chunk, more than any match window
    deep: str = "auto"  # "auto": file heads and chunks with matches; "always"; "never"
    deep_head: int = 64 << 10  # bytes at the start of each part read deep under "auto"
    max_tags: int = 10_000
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True, slots=True)
class Finding:
    """What one file on disk holds of the register, by subject id; stored until it is closed."""

    path: str
    sha256: str
    size: int
    fmt: str
    strength: Strength
    strong_people: tuple[str, ...]
    weak_people: tuple[str, ...]
    erased_tokens: tuple[str, ...]  # name-and-date tokens of erased people found in the file
    informal_list: bool
    tags: tuple[str, ...]  # candidate per-row disclosure tags (hex strings) beside matched people
    parts: tuple[str, ...]  # the parts (sheets, members, attachments) where people were found
    common_names: int  # names matching too many registered people to attribute
    text_bytes: int
    problems: tuple[ReadProblem, ...]

    @property
    def people(self) -> tuple[str, ...]:
        return self.strong_people + self.weak_people


@dataclass(frozen=True, slots=True)
class ScanProgress:
    """Where a scan has got to, for a progress bar."""

    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    path: str


@dataclass(slots=True)
class ScanReport:
    """The findings of a scan (files with people or problems) and what it covered."""

    findings: list[Finding] = field(default_factory=list)
    files_scanned: int = 0
    files_skipped: int = 0  # binary files of no format the scanner reads
    bytes_scanned: int = 0
    seconds: float = 0.0


def walk(paths: Iterable[Path]) -> Iterator[Path]:
    """Regular files under ``paths`` in a stable order; symbolic links are not followed."""
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    candidate = Path(root) / name
                    if candidate.is_file() and not candidate.is_symlink():
                        yield candidate
        elif path.is_file():
            yield path


def scan_paths(
    paths: Iterable[Path],
    fingerprint: Fingerprint,
    *,
    options: ScanOptions | None = None,
    progress: Callable[[ScanProgress], None] | None = None,
) -> ScanReport:
    """Scan every file under ``paths``; report files with people of the register or problems."""
    options = options or ScanOptions()
    started = time.perf_counter()
    files = [(p, p.stat().st_size) for p in walk(paths)]
    total = sum(size for _, size in files)
    report = ScanReport()
    done = 0
    for number, (path, size) in enumerate(files, start=1):
        finding = scan_file(path, fingerprint, options=options)
        if finding is None:
            report.files_skipped += 1
        else:
            report.files_scanned += 1
            report.bytes_scanned += size
            if finding.strength is not Strength.NONE or finding.problems:
                report.findings.append(finding)
        done += size
        if progress is not None:
            progress(ScanProgress(number, len(files), done, total, str(path)))
    report.seconds = time.perf_counter() - started
    return report


class _Hashing:
    """A binary stream that hashes what is read through it."""

    def __init__(self, raw: ByteSource) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()

    def read(self, size: int = -1, /) -> bytes:
        data = self._raw.read(size)
        self.digest.update(data)
        return data

    def drain(self) -> str:
        while self.read(1 << 20):
            pass
        return self.digest.hexdigest()


def scan_file(path: Path, fingerprint: Fingerprint, *, options: ScanOptions) -> Finding | None:
    """Read and score one file; None for a binary file of no format the scanner reads."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            fmt = detect_format(path.name, handle.read(8192))
            if fmt is None:
                return None
            handle.seek(0)
            sequential = fmt in ("text", "csv", "email")
            hashing = _Hashing(handle)
            budget = Budget(options.limits)
            stream = hashing if sequential else None
            tally = Tally(fingerprint, options)
            tally.consume(read_path(path, fmt, budget=budget, stream=stream))
            digest = hashing.drain() if sequential else _file_digest(handle)
    except OSError as error:
        return _unreadable(path, ReadProblem(str(path), ProblemKind.UNREADABLE, str(error)))
    except Exception as error:  # noqa: BLE001
        # Readers translate their libraries' errors; this is the last net, so that no file,
        # however it is made, can stop a scan of thousands.
        detail = f"{type(error).__name__}: {error}"[:300]
        return _unreadable(path, ReadProblem(str(path), ProblemKind.MALFORMED, detail))
    return tally.finding(str(path), digest, size, fmt)


def _file_digest(handle: BinaryIO) -> str:
    handle.seek(0)
    digest = hashlib.sha256()
    while data := handle.read(1 << 20):
        digest.update(data)
    return digest.hexdigest()


def _unreadable(path: Path, problem: ReadProblem) -> Finding:
    return Finding(str(path), "", 0, "", Strength.NONE, (), (), (), False, (), (), 0, 0, (problem,))


def iter_chunks(
    pieces: Read, options: ScanOptions
) -> Iterator[tuple[str, bytes, int] | ReadProblem]:
    """Chunks of each part's text, ``(part, chunk, offset)``, each carrying ``overlap`` bytes of
    the next so a match across a boundary is whole in one of them; problems pass through.

    Under ``deep="auto"`` a part's first chunk is its deep head alone, so that only the head
    pays for the deep search."""
    part, buffer, offset = "", b"", 0
    overlap = options.overlap
    head = options.deep_head if options.deep == "auto" else options.chunk_bytes
    size = head
    for piece in pieces:
        if isinstance(piece, ReadProblem):
            yield piece
            continue
        if piece.part != part:
            if buffer:
                yield part, buffer, offset
            part, buffer, offset, size = piece.part, b"", 0, head
        buffer += piece.data
        while len(buffer) >= size + overlap:
            yield part, buffer[: size + overlap], offset
            buffer, offset, size = buffer[size:], offset + size, options.chunk_bytes
    if buffer:
        yield part, buffer, offset


class Tally:
    """What the matcher finds in the chunks of one file, gathered into its finding."""

    def __init__(self, fingerprint: Fingerprint, options: ScanOptions) -> None:
        self._fingerprint = fingerprint
        self._options = options
        self.people: dict[int, set[str]] = {}
        self.erased: set[str] = set()
        self.tags: set[str] = set()
        self.parts: set[str] = set()
        self.problems: list[ReadProblem] = []
        self.common = 0
        self.text_bytes = 0
        self.deep_bytes = 0
        self.near_misses = 0
        self.lone: set[int] = set()
        self.clustered: set[int] = set()

    def consume(self, pieces: Read) -> None:
        for item in iter_chunks(pieces, self._options):
            if isinstance(item, ReadProblem):
                self.problems.append(item)
            else:
                self.match(*item)

    def match(self, part: str, chunk: bytes, offset: int) -> None:
        """Match one chunk: deep at the head of a part under "auto", or when asked always."""
        mode = self._options.deep
        deep = mode == "always" or (mode == "auto" and offset < self._options.deep_head)
        found: ChunkMatches = self._fingerprint.match(chunk, deep=deep, escalate=mode != "never")
        fresh = len(chunk) - (self._options.overlap if offset else 0)
        self.text_bytes += fresh
        self.deep_bytes += min(fresh, found.deep_bytes)
        self.common += found.ambiguous
        self.near_misses += found.near_misses
        self.lone |= found.lone
        self.clustered |= found.clustered
        if found.people or found.erased:
            self.parts.add(part)
            for index, kinds in found.people.items():
                self.people.setdefault(index, set()).update(kinds)
            self.erased.update(found.erased)
            if len(self.tags) < self._options.max_tags:
                # Row tags sit on the rows of the people found: look only around them, since
                # the tag pattern stops at every hex digit and letter of a whole chunk.
                for low, high in found.regions or [(0, len(chunk))]:
                    self.tags.update(_tags(chunk[low:high]))

    def chance_matches(self) -> set[int]:
        """The people matched by name and date of birth alone, each alone among others' dates
        of birth, when chance explains that many (see the module's note on chance)."""
        lone = {
            i for i in self.lone - self.clustered if not self.people.get(i, set()) & BEYOND_CHANCE
        }
        expected = self.near_misses * self._fingerprint.given_chance
        return lone if lone and len(lone) <= expected + 3 * math.sqrt(expected) else set()

    def finding(self, path: str, digest: str, size: int, fmt: str) -> Finding:
        ids = self._fingerprint.subject_id
        chance = self.chance_matches()
        strong = sorted(
            {ids(i) for i, kinds in self.people.items() if _is_strong(kinds) and i not in chance}
        )
        weak = sorted({ids(i) for i in self.people} - set(strong))
        erased = tuple(sorted(self.erased))
        if strong or erased:
            strength = Strength.STRONG
        elif weak or self.common:
            strength = Strength.WEAK
        else:
            strength = Strength.NONE
        return Finding(
            path=path,
            sha256=digest,
            size=size,
            fmt=fmt,
            strength=strength,
            strong_people=tuple(strong),
            weak_people=tuple(weak),
            erased_tokens=erased,
            informal_list=len(strong) + len(erased) >= self._options.informal_threshold,
            tags=tuple(sorted(self.tags))[: self._options.max_tags],
            parts=tuple(sorted(self.parts)),
            common_names=self.common,
            text_bytes=self.text_bytes,
            problems=tuple(self.problems),
        )


def _is_strong(kinds: set[str]) -> bool:
    return ("name" in kinds and bool(kinds & STRONG_EVIDENCE)) or {"dob", "nickname"} <= kinds


def _tags(chunk: bytes) -> set[str]:
    """Hex strings of 16 to 64 digits with both digits and letters: candidate row tags."""
    return {
        tag.decode().lower()
        for tag in _TAG.findall(chunk)
        if _HAS_DIGIT.search(tag) and _HAS_HEX_LETTER.search(tag)
    }
