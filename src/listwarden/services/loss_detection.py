"""Loss detection (law 11): scan files and directories for the register's people, on the record.

The matcher is built at scan time from every subject held, decrypted in memory and never
written anywhere; the scan itself reads no database. Each file holding people (or that could not
be read) becomes a stored finding with identifiers only, its row tags named against the
disclosures made, and the scan is logged as one event with the number of findings.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from listwarden.dlp import Finding, Fingerprint, Person, ScanOptions, ScanProgress
from listwarden.dlp import scan_paths as scan_files
from listwarden.domain.access import Actor
from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.vocabulary import Operation
from listwarden.export.attribution import TAG_PREFIX, TagIndex
from listwarden.policy.engine import REGISTER, AccessAction
from listwarden.services.access import Authoriser
from listwarden.services.disclosures import attribution_key
from listwarden.services.events import record_event
from listwarden.services.sharing_review import disclosure_records
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.dlp_tables import LossFinding
from listwarden.store.tables import Subject


@dataclass(frozen=True)
class StoredFinding:
    """A finding as stored and reported: identifiers and counts, never a name."""

    id: str
    path: str
    content_sha256: str | None
    size: int
    file_format: str
    strength: str
    informal_list: bool
    strong_subject_ids: list[str]
    weak_subject_ids: list[str]
    erased_matches: int
    disclosure_ids: list[str]
    tagged_rows: int
    problems: list[str]


@dataclass
class ScanOutcome:
    """What one scan covered and what it stored."""

    scan_id: str
    files_scanned: int
    files_skipped: int
    bytes_scanned: int
    seconds: float
    findings: list[StoredFinding] = field(default_factory=list)


def scan_paths(
    *,
    uow: UnitOfWork,
    actor: Actor,
    paths: Sequence[Path],
    progress: Callable[[ScanProgress], None] | None = None,
    options: ScanOptions | None = None,
) -> ScanOutcome:
    """Scan ``paths`` (files or directories) for the register's people and store the findings."""
    missing = [str(p) for p in paths if not p.exists()]
    if not paths or missing:
        raise InvalidInput(
            "nothing to scan at " + ", ".join(missing) if missing else "give a path to scan",
            reasons=[Reason("path-missing", "no such file or directory", "paths")],
        )
    attempt = Attempt(Operation.LOSS_SCAN, actor.id)
    with uow.read_only(attempt) as session:
        Authoriser(session, uow, actor).require(AccessAction.DLP_SCAN, REGISTER)
        today = uow.today()
        fingerprint = Fingerprint.build(_people(session, uow), today=today)
        tags = TagIndex(disclosure_records(session, today), attribution_key(uow))
    report = scan_files(paths, fingerprint, options=options, progress=progress)
    del fingerprint  # the decrypted matcher lives no longer than the scan
    outcome = ScanOutcome(
        scan_id=str(uuid.uuid4()),
        files_scanned=report.files_scanned,
        files_skipped=report.files_skipped,
        bytes_scanned=report.bytes_scanned,
        seconds=report.seconds,
        findings=[_stored(f, tags) for f in report.findings],
    )
    with uow.transaction() as session:
        found_at = uow.now()
        if outcome.findings:
            session.execute(
                insert(LossFinding),
                [
                    {
                        **vars(f),
                        "scan_id": outcome.scan_id,
                        "path_sha256": _path_hash(f.path),
                        "found_at": found_at,
                        "found_by": actor.id,
                        "status": "open",
                    }
                    for f in outcome.findings
                ],
            )
        strong = sum(f.strength == "strong" for f in outcome.findings)
        record_event(
            session,
            at=found_at,
            operation=Operation.LOSS_SCAN,
            actor_id=actor.id,
            result_count=len(outcome.findings),
            reason=f"scan {outcome.scan_id}: {outcome.files_scanned} file(s), {strong} strong",
        )
    return outcome


def _people(session: Session, uow: UnitOfWork) -> Iterator[Person]:
    """Every subject held, decrypted for the matcher alone."""
    for s in session.scalars(select(Subject).order_by(Subject.id)):

        def clear(name: str, blob: bytes | None, sid: str = s.id) -> str:
            return uow.cipher.open(sid, "subjects", sid, name, blob) if blob else ""

        born = clear("date_of_birth", s.date_of_birth_ct)
        nicknames = clear("nicknames", s.nicknames_ct)
        address = clear("address", s.address_ct)
        yield Person(
            subject_id=s.id,
            given_name=clear("given_name", s.given_name_ct),
            family_name=clear("family_name", s.family_name_ct),
            nicknames=tuple(n for n in nicknames.split("\n") if n),
            date_of_birth=date.fromisoformat(born) if born else None,
            addresses=(address,) if address else (),
        )


def _stored(finding: Finding, tags: TagIndex) -> StoredFinding:
    disclosures: dict[str, None] = {}
    rows = 0
    for tag in dict.fromkeys(t.lower() for t in finding.tags):
        named = tags.lookup(tag if tag.startswith(TAG_PREFIX) else TAG_PREFIX + tag)
        if named is not None:
            disclosures[named[0].disclosure_id] = None
            rows += 1
    return StoredFinding(
        id=str(uuid.uuid4()),
        path=finding.path,
        content_sha256=finding.sha256 or None,
        size=finding.size,
        file_format=finding.fmt,
        strength=finding.strength.value,
        informal_list=finding.informal_list,
        strong_subject_ids=list(finding.strong_people),
        weak_subject_ids=list(finding.weak_people),
        erased_matches=len(finding.erased_tokens),
        disclosure_ids=list(disclosures),
        tagged_rows=rows,
        problems=[f"{p.kind.value}: {p.detail}"[:500] for p in finding.problems],
    )


def _path_hash(path: str) -> str:
    return hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()
