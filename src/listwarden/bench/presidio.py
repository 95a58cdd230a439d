"""Microsoft Presidio's analyzer on a sample of the loss-detection corpus, beside our matcher.

Presidio is an optional extra (``pip install 'listwarden[presidio]'``), used by this benchmark
alone and never by ``make test``. Its recogniser of names (``PERSON``) is spaCy's named-entity
model, which spaCy fetches from GitHub rather than from PyPI, and this machine cannot reach it:
so the analyzer runs on a blank English pipeline (a tokenizer, no model) and only its pattern
recognisers work (dates, e-mail addresses, telephone numbers, URLs and other identifiers). The
sample is fed in batches of lines of about 4 KB, since its context enhancer is quadratic in the
length of one text. The same sample is matched by our fingerprint in the same run, as baseline.
"""

from __future__ import annotations

import importlib.util
import logging
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from listwarden.dlp.fingerprint import Fingerprint
from listwarden.dlp.parts import Budget, Limits
from listwarden.dlp.readers import read_path
from listwarden.dlp.scanner import ScanOptions, Tally, iter_chunks

_MB = 1_000_000
_BATCH = 4_000
MODEL = "en_core_web_lg"  # the model Presidio's default engine asks spaCy for


def bench_presidio(
    files: Sequence[tuple[Path, str, int, str]],
    fingerprint: Fingerprint,
    *,
    sample_bytes: int = 10 * _MB,
) -> dict[str, Any]:
    """Presidio and our matcher over the first ``sample_bytes`` of text of the corpus's text
    and CSV files; or, when Presidio cannot run, the exact reason."""
    if importlib.util.find_spec("presidio_analyzer") is None:
        return {"status": "not installed: pip install 'listwarden[presidio]' to measure it"}
    sample = list(_sample(files, sample_bytes))
    size = sum(len(text.encode()) for _, text in sample)
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="lw-blank-spacy-") as blank:
        try:
            analyzer, model_note = _analyzer(Path(blank))
        except Exception as error:  # noqa: BLE001 - whatever stops it is the figure reported
            return {"status": f"cannot run: {type(error).__name__}: {error}"[:500]}
        found: Counter[str] = Counter()
        clock = time.process_time()
        for _, text in sample:
            for batch in _batches(text):
                found.update(r.entity_type for r in analyzer.analyze(text=batch, language="en"))
        theirs = time.process_time() - clock
    clock = time.process_time()
    options = ScanOptions()
    strong = 0
    tallies: dict[Path, Tally] = {}
    for path, text in sample:
        tally = tallies.setdefault(path, Tally(fingerprint, options))
        tally.match(str(path), text.encode(), 0)
    for path, tally in tallies.items():
        strong += len(tally.finding(str(path), "", 0, "text").strong_people)
    ours = time.process_time() - clock
    return {
        "status": "measured without a named-entity model",
        "model": model_note,
        "sample_mb": round(size / _MB, 2),
        "files": len({p for p, _ in sample}),
        "presidio_s": round(theirs, 2),
        "presidio_mb_s": round(size / _MB / theirs, 3) if theirs else None,
        "ours_s": round(ours, 2),
        "ours_mb_s": round(size / _MB / ours, 1) if ours else None,
        "ratio_ours_to_presidio": round(theirs / ours, 1) if ours else None,
        "presidio_entities": dict(sorted(found.items())),
        "presidio_people_named": found.get("PERSON", 0),
        "ours_people_found_strong": strong,
        "note": "Presidio reports kinds of data (a date, a telephone number), not whom: "
        "without a model it finds no names, and it never attributes a copy to a person "
        "of the register",
    }


def _analyzer(blank: Path) -> tuple[Any, str]:
    import spacy
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    if spacy.util.is_package(MODEL):
        return AnalyzerEngine(), f"{MODEL} (installed)"
    spacy.blank("en").to_disk(blank)
    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": str(blank)}])
    note = (
        f"{MODEL} is not installed and cannot be: spaCy downloads its models from GitHub, "
        "which this machine cannot reach; a blank English pipeline stands in (no PERSON)"
    )
    return AnalyzerEngine(nlp_engine=engine, supported_languages=["en"]), note


def _sample(files: Sequence[tuple[Path, str, int, str]], limit: int) -> Iterator[tuple[Path, str]]:
    """The text of the corpus's text and CSV files, file by file, up to ``limit`` bytes."""
    taken = 0
    options = ScanOptions()
    for path, fmt, _size, _kind in files:
        if fmt not in ("text", "csv") or taken >= limit:
            continue
        for chunk in iter_chunks(read_path(path, fmt, budget=Budget(Limits())), options):
            if not isinstance(chunk, tuple) or taken >= limit:
                continue
            data = chunk[1][: limit - taken]
            taken += len(data)
            yield path, data.decode("utf-8", "replace")


def _batches(text: str) -> Iterator[str]:
    lines: list[str] = []
    size = 0
    for line in text.splitlines(keepends=True):
        lines.append(line)
        size += len(line)
        if size >= _BATCH:
            yield "".join(lines)
            lines, size = [], 0
    if lines:
        yield "".join(lines)
