"""Loss detection (law 11): scan files and directories for the register's people, on the record.

The matcher is built at scan time from every subject held, decrypted in memory and never
written anywhere; the scan itself reads no database. Each file holding people (or that could not
be read) becomes a stored finding with identifiers only, its row tags named against the
disclosures made, and the scan is logged as one event with the number of findings. People
already erased are recognised by their keyed-hash tokens alone (``erased_tokens.py``) and
counted as such in a finding, never named.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from listwarden.dlp import Finding, Fingerprint, Person, ScanOptions, ScanProgress
from listwarden.dlp import scan_paths as scan_files
from listwarden.domain.access import Actor
from listwarden.domain.errors import InvalidInput, NotFound, Reason
from listwarden.domain.vocabulary import Operation
from listwarden.export.attribution import TAG_PREFIX, TagIndex
from listwarden.policy.engine import REGISTER, AccessAction
from listwarden.services.access import Authoriser
from listwarden.services.disclosures import attribution_key
from listwarden.services.erased_tokens import scanner_tokens
from listwarden.services.events import record_event
from listwarden.services.sharing_review import disclosure_records
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.dlp_tables import LossFinding
from listwarden.store.tables import Subject

OPEN, DESTROYED, JUSTIFIED = "open", "destroyed", "justified"


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
    closed: list[str] = field(default_factory=list)  # open findings the re-scan found destroyed


def scan_paths(
    *,
    uow: UnitOfWork,
    actor: Actor,
    paths: Sequence[Path],
    progress: Callable[[ScanProgress], None] | None = None,
    options: ScanOptions | None = None,
) -> ScanOutcome:
    """Scan ``paths`` (files or directories) for the register's people and store the findings."""
    paths = [p.absolute() for p in paths]  # findings name files wherever the scan was run from
    missing = [str(p) for p in paths if not p.exists()]
    if not paths or missing:
        raise InvalidInput(
            "nothing to scan at " + ", ".join(missing) if missing else "give a path to scan",
            reasons=[Reason("path-missing", "no such file or directory", "paths")],
        )
    erased = scanner_tokens(uow=uow, actor=actor)  # refuses (and logs) anyone but the DPO
    attempt = Attempt(Operation.LOSS_SCAN, actor.id)
    with uow.read_only(attempt) as session:
        Authoriser(session, uow, actor).require(AccessAction.DLP_SCAN, REGISTER)
        today = uow.today()
        fingerprint = Fingerprint.build(
            _people(session, uow),
            today=today,
            key=erased.key if erased else None,
            erased_tokens=erased.tokens if erased else (),
        )
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
        outcome.findings, fresh, outcome.closed = _reconcile(session, paths, outcome.findings)
        if fresh:
            session.execute(
                insert(LossFinding),
                [
                    {
                        **vars(f),
                        "scan_id": outcome.scan_id,
                        "path_sha256": _path_hash(f.path),
                        "found_at": found_at,
                        "found_by": actor.id,
                        "status": OPEN,
                    }
                    for f in fresh
                ],
            )
        if outcome.closed:
            session.execute(
                update(LossFinding)
                .where(LossFinding.id.in_(outcome.closed))
                .values(
                    status=DESTROYED,
                    closed_at=found_at,
                    closed_by=actor.id,
                    close_reason=f"gone or changed at re-scan {outcome.scan_id}",
                )
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


def _reconcile(
    session: Session, roots: Sequence[Path], found: list[StoredFinding]
) -> tuple[list[StoredFinding], list[StoredFinding], list[str]]:
    """Match a scan against the findings held: the same file with the same content stays one
    finding (a justified copy stays justified); an open finding under the scanned paths whose
    file is gone or changed is closed as destroyed."""
    held: dict[tuple[str, str | None], str] = {}
    justified: dict[tuple[str, str | None], str] = {}
    for o in session.scalars(select(LossFinding).where(LossFinding.status.in_((OPEN, JUSTIFIED)))):
        if _covered(Path(o.path), roots):
            (held if o.status == OPEN else justified)[(o.path_sha256, o.content_sha256)] = o.id
    kept, fresh = [], []
    for f in found:
        key = (_path_hash(f.path), f.content_sha256)
        existing = held.pop(key, None) or justified.get(key)
        if existing is None:
            fresh.append(f)
            kept.append(f)
        else:
            kept.append(replace(f, id=existing))
    return kept, fresh, sorted(held.values())


def _covered(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def open_findings(*, uow: UnitOfWork, actor: Actor) -> list[StoredFinding]:
    """The findings not yet closed, oldest first, for the DPO."""
    with uow.read_only(Attempt(Operation.LOSS_SCAN, actor.id)) as session:
        Authoriser(session, uow, actor).require(AccessAction.DLP_SCAN, REGISTER)
        rows = session.scalars(
            select(LossFinding)
            .where(LossFinding.status == OPEN)
            .order_by(LossFinding.found_at, LossFinding.path)
        ).all()
    names = {f.name for f in fields(StoredFinding)}
    return [StoredFinding(**{n: getattr(r, n) for n in names}) for r in rows]


def justify_finding(*, uow: UnitOfWork, actor: Actor, finding_id: str, reason: str) -> None:
    """The DPO closes a finding as justified (a lawful copy), with the reason on the record."""
    if not reason.strip():
        raise InvalidInput(
            "a finding is closed as justified only with a reason",
            reasons=[Reason("reason-required", "give the reason the copy may be kept", "reason")],
        )
    with uow.transaction(Attempt(Operation.LOSS_JUSTIFY, actor.id)) as session:
        Authoriser(session, uow, actor).require(AccessAction.DLP_SCAN, REGISTER)
        finding = session.get(LossFinding, finding_id)
        if finding is None:
            raise NotFound(f"no finding {finding_id}")
        if finding.status != OPEN:
            raise InvalidInput(
                f"finding {finding_id} is already closed ({finding.status})",
                reasons=[Reason("finding-closed", "only an open finding can be closed", "id")],
            )
        now = uow.now()
        finding.status, finding.closed_at, finding.closed_by = JUSTIFIED, now, actor.id
        finding.close_reason = reason.strip()
        record_event(
            session,
            at=now,
            operation=Operation.LOSS_JUSTIFY,
            actor_id=actor.id,
            reason=f"finding {finding_id} justified",
        )


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
