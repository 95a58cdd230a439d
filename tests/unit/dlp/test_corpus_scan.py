"""The scan of a generated corpus finds every planted copy, and nothing it should not."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from listwarden.dlp.corpus import Corpus, name_forms
from listwarden.dlp.dates import written_forms
from listwarden.dlp.fingerprint import Fingerprint
from listwarden.dlp.parts import ProblemKind
from listwarden.dlp.scanner import ScanOptions, ScanProgress, ScanReport, Strength, scan_paths
from tests.unit.dlp.conftest import finding_for

PLANTED = [
    "borough/haringey_matrix.xlsx",
    "borough/haringey_matrix.ods",
    "mail/fw_matrix_extract.eml",
    "reports/nominals_table.pdf",
    "reports/briefing.docx",
    "shared/disclosure_fragment.csv",
]


@pytest.mark.parametrize("relative", PLANTED)
def test_every_planted_copy_is_found_strong_with_exactly_its_people(
    corpus: Corpus, report: ScanReport, relative: str
) -> None:
    planted = next(p for p in corpus.planted if p.path == relative)
    finding = finding_for(report, corpus.root, relative)
    assert finding.strength is Strength.STRONG
    assert set(finding.strong_people) == planted.strong
    assert finding.informal_list is planted.informal


def test_the_csv_in_a_zip_inside_an_email_is_found_in_its_nested_part(
    corpus: Corpus, report: ScanReport
) -> None:
    finding = finding_for(report, corpus.root, "mail/fw_matrix_extract.eml")
    assert finding.parts == (f"{finding.path}!extract.zip!extract/matrix_extract.csv",)


def test_the_disclosure_fragment_exposes_its_row_tags(corpus: Corpus, report: ScanReport) -> None:
    planted = next(p for p in corpus.planted if p.tags)
    finding = finding_for(report, corpus.root, planted.path)
    assert planted.tags <= set(finding.tags)


@pytest.mark.parametrize("relative", ["misc/staff_rota.csv", "misc/newsletter.txt"])
def test_decoys_with_common_names_and_no_dates_of_birth_are_never_strong(
    corpus: Corpus, report: ScanReport, relative: str
) -> None:
    found = [f for f in report.findings if f.path == str(corpus.root / relative)]
    assert all(f.strength is not Strength.STRONG and not f.informal_list for f in found)


def test_a_name_alone_is_reported_weak(corpus: Corpus, report: ScanReport) -> None:
    finding = finding_for(report, corpus.root, "misc/newsletter.txt")
    assert finding.strength is Strength.WEAK
    assert finding.weak_people
    assert not finding.strong_people


def test_a_copy_of_an_erased_person_is_reported_as_erased(
    corpus: Corpus, report: ScanReport
) -> None:
    finding = finding_for(report, corpus.root, "old/removed_but_kept.txt")
    assert finding.strength is Strength.STRONG
    assert len(finding.erased_tokens) == 1
    assert corpus.erased.subject_id not in finding.people  # erased people have no id left


@pytest.mark.parametrize(
    ("relative", "kind"),
    [("broken/matrix_copy.xlsx", ProblemKind.MALFORMED), ("archive/backup.zip", ProblemKind.LIMIT)],
)
def test_a_malformed_workbook_and_a_zip_bomb_are_reported_and_skipped(
    corpus: Corpus, report: ScanReport, relative: str, kind: ProblemKind
) -> None:
    finding = finding_for(report, corpus.root, relative)
    assert [p.kind for p in finding.problems] == [kind]
    assert finding.strength is Strength.NONE
    assert finding.text_bytes == 0


def test_the_scan_goes_on_past_hostile_files(corpus: Corpus, report: ScanReport) -> None:
    assert report.files_scanned == len({p.path for p in corpus.planted}) + 4


def test_recall_and_precision_on_planted_records(corpus: Corpus, report: ScanReport) -> None:
    expected = {(p.path, s) for p in corpus.planted for s in p.strong}
    root = f"{corpus.root}/"
    found = {(f.path.removeprefix(root), s) for f in report.findings for s in f.strong_people}
    recall = len(expected & found) / len(expected)
    precision = len(expected & found) / len(found)
    assert recall >= 0.99
    assert precision >= 0.95


def test_findings_name_people_by_subject_id_only(corpus: Corpus, report: ScanReport) -> None:
    text = repr(report.findings).casefold()
    for person in corpus.register():
        assert person.family_name.casefold() not in text


def test_every_finding_carries_the_content_hash_of_its_file(
    corpus: Corpus, report: ScanReport
) -> None:
    for finding in report.findings:
        assert finding.sha256 == hashlib.sha256(Path(finding.path).read_bytes()).hexdigest()


def test_progress_is_reported_file_by_file(corpus: Corpus, fingerprint: Fingerprint) -> None:
    seen: list[ScanProgress] = []
    scan_paths([corpus.root / "borough"], fingerprint, progress=seen.append)
    assert [p.files_done for p in seen] == [1, 2]
    assert seen[-1].bytes_done == seen[-1].bytes_total > 0


def test_the_informal_list_threshold_is_configurable(
    corpus: Corpus, fingerprint: Fingerprint
) -> None:
    options = ScanOptions(informal_threshold=6)
    [finding] = scan_paths([corpus.root / "shared"], fingerprint, options=options).findings
    assert len(finding.strong_people) == 5
    assert not finding.informal_list


def test_binary_files_of_no_known_format_are_skipped(
    tmp_path: Path, fingerprint: Fingerprint
) -> None:
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" * 100)
    report = scan_paths([tmp_path], fingerprint)
    assert (report.files_scanned, report.files_skipped, report.findings) == (0, 1, [])


def test_planted_people_are_written_in_at_least_ten_forms_of_name_and_of_date(
    corpus: Corpus,
) -> None:
    for person in corpus.people[:25]:
        assert person.date_of_birth is not None
        assert len(set(name_forms(person))) >= 10
        assert len(set(written_forms(person.date_of_birth))) >= 10
