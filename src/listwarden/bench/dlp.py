"""The loss-detection benchmark: MB/s per format beside the naive automaton, recall, precision.

Each file of a generated corpus is read once (timed: the format's reader) into chunks; the
fingerprint of each register, and the naive peer over the same register, then match the same
chunks (each timed). Times are CPU seconds of this one process on one core. The naive peer is
one ``pyahocorasick`` automaton over every registered full name, run over the lowercased text:
what one would write first. Recall and precision count (file, subject) pairs found strong
against the planted records.
"""

from __future__ import annotations

import gc
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import ahocorasick  # type: ignore[import-not-found]

from listwarden.bench.dlp_corpus import SHARES, generate_bulk
from listwarden.bench.presidio import bench_presidio
from listwarden.bench.timing import progress
from listwarden.dlp.corpus import make_people
from listwarden.dlp.fingerprint import Fingerprint, Person
from listwarden.dlp.parts import Budget, Limits
from listwarden.dlp.readers import read_path
from listwarden.dlp.scanner import ScanOptions, Tally, iter_chunks

TODAY = date(2025, 6, 1)
_MB = 1_000_000


class NaivePeer:
    """The first design anyone writes: one automaton over every full name, over all the text."""

    def __init__(self, people: Sequence[Person]) -> None:
        self._automaton = ahocorasick.Automaton()
        for person in people:
            self._automaton.add_word(f"{person.given_name} {person.family_name}".lower(), 0)
        self._automaton.make_automaton()

    def count(self, chunk: bytes) -> int:
        return sum(1 for _ in self._automaton.iter(chunk.decode("utf-8", "replace").lower()))


def bench_dlp(
    total_bytes: int = 1_000_000_000,
    people: int | Sequence[int] = (3_800, 1_000_000),
    seed: int = 8,
    *,
    scale: float = 1.0,
    show_progress: bool = False,
) -> dict[str, Any]:
    """Generate, scan and delete a corpus of ``total_bytes * scale``; figures per register."""
    sizes = sorted({people} if isinstance(people, int) else set(people))
    register = make_people(max(sizes), seed=seed, today=TODAY, common=0.3)
    result: dict[str, Any] = {"registers": {}}
    with tempfile.TemporaryDirectory(prefix="lw-bench-dlp-") as tmp, progress(show_progress) as bar:
        task = bar.add_task("writing corpus", total=int(total_bytes * scale))
        started = time.perf_counter()
        corpus = generate_bulk(
            Path(tmp),
            total_bytes=int(total_bytes * scale),
            planted=register[: sizes[0]],
            seed=seed,
            today=TODAY,
            register=register,
            progress=lambda n: bar.advance(task, n),
        )
        result["corpus"] = _describe(corpus.files, time.perf_counter() - started)
        matchers = {}
        for size in sizes:
            clock = time.process_time()
            fingerprint = Fingerprint.build(register[:size], today=TODAY)
            built = time.process_time() - clock
            peer = NaivePeer(register[:size])
            matchers[size] = (fingerprint, peer)
            result["registers"][str(size)] = {
                "build_s": round(built, 2),
                "peer_build_s": round(time.process_time() - clock - built, 2),
            }
        gc.freeze()  # millions of long-lived objects: keep the collector from walking them
        try:
            scan = bar.add_task("scanning", total=sum(f[2] for f in corpus.files))
            timings = _scan(corpus.files, matchers, lambda n: bar.advance(scan, n))
        finally:
            gc.unfreeze()
        for size in sizes:
            entry = result["registers"][str(size)]
            namesakes = {(f, s) for f, s in corpus.namesakes if int(s.rsplit("-", 1)[1]) < size}
            entry.update(_figures(timings, size, corpus.planted, namesakes, Path(tmp)))
        # Presidio on a 10 MB sample of the text and CSV, beside the demo-sized register's
        # fingerprint on the same sample (it is an optional extra: absent, the reason is given).
        result["presidio"] = bench_presidio(corpus.files, matchers[sizes[0]][0])
    return result


def _scan(
    files: list[tuple[Path, str, int, str]],
    matchers: dict[int, tuple[Fingerprint, NaivePeer]],
    advance: Any,
) -> dict[str, Any]:
    options = ScanOptions()
    rows = []
    for path, fmt, size, kind in files:
        clock = time.process_time()
        budget = Budget(Limits())
        chunks = list(iter_chunks(read_path(path, fmt, budget=budget), options))
        read = time.process_time() - clock
        text = [c for c in chunks if isinstance(c, tuple)]
        row: dict[Any, Any] = {"path": path, "fmt": fmt, "kind": kind, "size": size, "read": read}
        row["text"] = sum(len(c[1]) for c in text)
        for register, (fingerprint, peer) in matchers.items():
            clock = time.process_time()
            tally = Tally(fingerprint, options)
            for part, chunk, offset in text:
                tally.match(part, chunk, offset)
            matched = time.process_time() - clock
            finding = tally.finding(str(path), "", size, fmt)
            clock = time.process_time()
            for _part, chunk, _offset in text:
                peer.count(chunk)
            row[register] = {
                "match": matched,
                "peer": time.process_time() - clock,
                "strong": set(finding.strong_people),
                "deep": tally.deep_bytes,
            }
        rows.append(row)
        advance(size)
    return {"rows": rows}


def _rate(megabytes: float, seconds: float) -> float:
    return round(megabytes / seconds, 1) if seconds > 0 else float("inf")


def _group(rows: list[dict[Any, Any]], register: int) -> dict[str, Any]:
    file_mb = sum(r["size"] for r in rows) / _MB
    text_mb = sum(r["text"] for r in rows) / _MB
    read = sum(r["read"] for r in rows)
    ours = sum(r[register]["match"] for r in rows)
    peer = sum(r[register]["peer"] for r in rows)
    return {
        "files": len(rows),
        "file_mb": round(file_mb, 1),
        "text_mb": round(text_mb, 1),
        "read_s": round(read, 2),
        "match_s": round(ours, 2),
        "peer_s": round(peer, 2),
        "mb_s": _rate(file_mb, read + ours),
        "peer_mb_s": _rate(file_mb, read + peer),
        "match_mb_s": _rate(text_mb, ours),
        "peer_match_mb_s": _rate(text_mb, peer),
        "deep_share": round(
            sum(r[register]["deep"] for r in rows) / max(1, sum(r["text"] for r in rows)), 3
        ),
    }


def _figures(
    timings: dict[str, Any],
    register: int,
    planted: set[tuple[str, str]],
    namesakes: set[tuple[str, str]],
    root: Path,
) -> dict[str, Any]:
    rows = timings["rows"]
    by_format: dict[str, list[dict[Any, Any]]] = defaultdict(list)
    by_kind: dict[str, list[dict[Any, Any]]] = defaultdict(list)
    for row in rows:
        by_format[row["fmt"]].append(row)
        if row["fmt"] in ("text", "csv"):
            by_kind[f"{row['fmt']}:{row['kind']}"].append(row)
    found = {(str(r["path"].relative_to(root)), s) for r in rows for s in r[register]["strong"]}
    hits = len(found & planted)
    return {
        "formats": {fmt: _group(group, register) for fmt, group in sorted(by_format.items())},
        "text_and_csv": _group(by_format["text"] + by_format["csv"], register),
        "text_and_csv_by_kind": {k: _group(g, register) for k, g in sorted(by_kind.items())},
        "overall": _group(rows, register),
        "planted_records": len(planted),
        "found_strong": len(found),
        "recall": round(hits / len(planted), 4) if planted else None,
        "precision": round(hits / len(found), 4) if found else None,
        # Strangers written with the very name and date of birth of someone on the register:
        # no matcher can tell them apart, so they are counted apart.
        "namesakes_found": len(found & namesakes),
        "precision_besides_namesakes": round(hits / len(found - namesakes), 4) if found else None,
    }


def _describe(files: list[tuple[Path, str, int, str]], seconds: float) -> dict[str, Any]:
    total = sum(f[2] for f in files)
    by_format: dict[str, int] = defaultdict(int)
    for _path, fmt, size, _kind in files:
        by_format[fmt] += size
    return {
        "files": len(files),
        "mb": round(total / _MB, 1),
        "share_by_format": {f: round(by_format[f] / total, 3) for f in SHARES},
        "spreadsheet_share": round((by_format["xlsx"] + by_format["ods"]) / total, 3),
        "generate_s": round(seconds, 1),
    }
