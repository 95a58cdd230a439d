"""Loss detection (law 11): find copies of the register's people in files outside the system.

The public surface, for the service that wires scans to the register and the findings table:

- ``Person`` and ``Fingerprint.build(people, today=, key=, erased_tokens=)``: the in-memory
  matcher, built from decrypted people at scan time and never written to disk;
- ``erasure_token`` and ``token_expired``: the keyed tokens kept for erased people, 90 days;
- ``scan_paths(paths, fingerprint, options=, progress=)`` giving a ``ScanReport`` of
  ``Finding``s (path, content hash, subject ids, erased tokens, strength, informal list flag,
  candidate row tags, ``ReadProblem``s);
- ``generate_corpus``: the synthetic corpus the tests and the benchmark scan.
"""

from __future__ import annotations

from listwarden.dlp.corpus import Corpus, Planted, generate_corpus, make_people
from listwarden.dlp.fingerprint import ChunkMatches, Fingerprint, Person
from listwarden.dlp.parts import Limits, ProblemKind, ReadProblem, TextPiece
from listwarden.dlp.scanner import (
    Finding,
    ScanOptions,
    ScanProgress,
    ScanReport,
    Strength,
    scan_file,
    scan_paths,
)
from listwarden.dlp.tokens import ErasureToken, erasure_token, live_tokens, token_expired

__all__ = [
    "ChunkMatches",
    "Corpus",
    "ErasureToken",
    "Finding",
    "Fingerprint",
    "Limits",
    "Person",
    "Planted",
    "ProblemKind",
    "ReadProblem",
    "ScanOptions",
    "ScanProgress",
    "ScanReport",
    "Strength",
    "TextPiece",
    "erasure_token",
    "generate_corpus",
    "live_tokens",
    "make_people",
    "scan_file",
    "scan_paths",
    "token_expired",
]
