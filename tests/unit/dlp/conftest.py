"""A generated corpus, written once per module run, and the scan of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from listwarden.dlp.corpus import Corpus, generate_corpus
from listwarden.dlp.fingerprint import Fingerprint
from listwarden.dlp.scanner import Finding, ScanReport, scan_paths


@pytest.fixture(scope="package")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return generate_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="package")
def fingerprint(corpus: Corpus) -> Fingerprint:
    return Fingerprint.build(corpus.register(), today=corpus.today, key=corpus.key)


@pytest.fixture(scope="package")
def report(corpus: Corpus, fingerprint: Fingerprint) -> ScanReport:
    return scan_paths([corpus.root], fingerprint)


def finding_for(report: ScanReport, root: Path, relative: str) -> Finding:
    found = [f for f in report.findings if f.path == str(root / relative)]
    assert found, f"no finding for {relative}"
    return found[0]
