"""End to end on both databases: the generated corpus's people on the register, then scanned.

The corpus's 300 invented people are collected onto a Matrix; the erased one is collected and
then erased through the service (leaving only their tokens); eight are disclosed for real and a
fragment of the package, rewritten in other forms of name and date, is planted beside the rest.
`listwarden scan --json` as the DPO must then find and attribute every planted copy, call no
decoy strong, report the erased person as erased, and report and skip the malformed workbook
and the zip bomb.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from listwarden.bootstrap import Register
from listwarden.cli import app
from listwarden.dlp.corpus import Corpus, generate_corpus, name_forms
from listwarden.dlp.dates import written_forms
from listwarden.dlp.fingerprint import Person
from listwarden.domain.entries import age_on
from listwarden.services.disclosures import request_disclosure
from listwarden.services.entries import NewEntry, add_entry
from listwarden.services.erasure import erase_subject
from listwarden.services.users import issue_token
from listwarden.store.dlp_tables import LossFinding
from listwarden.store.tables import DisclosureRow, Entry
from tests.integration.test_disclosures import open_package
from tests.sharing_world import SharingWorld, sharing_world

LEAK = "shared/leaked_from_housing.csv"


@pytest.fixture
def env(register: Register, monkeypatch: pytest.MonkeyPatch) -> Register:
    monkeypatch.setenv("LISTWARDEN_HOME", str(register.settings.home))
    monkeypatch.setenv("LISTWARDEN_DATABASE_URL", register.settings.resolved_database_url)
    monkeypatch.delenv("LISTWARDEN_TOKEN", raising=False)
    return register


def _collect(world: SharingWorld, person: Person) -> str:
    uow, cast = world.register.uow, world.cast
    assert person.date_of_birth is not None
    child = age_on(person.date_of_birth, uow.today()) < 18
    return add_entry(
        uow=uow,
        actor=cast.iao,
        list_id=world.matrix,
        purpose="gang_violence_reduction",
        item=NewEntry(
            given_name=person.given_name,
            family_name=person.family_name,
            date_of_birth=person.date_of_birth,
            category="suspected",
            bcu="CE",
            nicknames=person.nicknames,
            address=person.addresses[0] if person.addresses else None,
            band="amber",
            score=20,
            iao_approval_by=cast.iao2.id if child else None,
            safeguarding_referral="MASH/2026/17" if child else None,
        ),
    )


def _register_the_corpus(world: SharingWorld, corpus: Corpus) -> dict[str, str]:
    """Collect every corpus person; the map from corpus id to the register's subject id."""
    entries = {p.subject_id: _collect(world, p) for p in corpus.people}
    with world.register.uow.read_only() as session:
        subjects = {r.id: r.subject_id for r in session.execute(select(Entry.id, Entry.subject_id))}
    erased_entry = _collect(world, corpus.erased)
    erase_subject(
        uow=world.register.uow,
        actor_id=world.cast.iru.id,
        subject_id=_subject_of(world, erased_entry),
        rule_or_request="request:ERA-2026-8",
        reason="erasure granted",
    )
    return {person: subjects[entry] for person, entry in entries.items()}


def _subject_of(world: SharingWorld, entry_id: str) -> str:
    with world.register.uow.read_only() as session:
        subject = session.scalar(select(Entry.subject_id).where(Entry.id == entry_id))
    assert subject is not None
    return subject


def _plant_a_real_leak(
    world: SharingWorld, corpus: Corpus, ids: dict[str, str], tmp_path: Path
) -> tuple[str, set[str]]:
    """Disclose eight adults, then plant rows 2-7 of the package in other written forms."""
    today = world.register.uow.today()
    adults = [p for p in corpus.people if age_on(p.date_of_birth or today, today) >= 20][:8]
    entries = _entries_of(world, [ids[p.subject_id] for p in adults])
    shared = request_disclosure(
        uow=world.register.uow, actor=world.cast.analyst, ask=world.ask(entries)
    )
    assert shared.package is not None
    (tmp_path / "package").mkdir()
    members = open_package(world.identity, shared.package, tmp_path / "package")
    rows = list(csv.DictReader(io.StringIO(members["disclosure.csv"].decode("utf-8-sig"))))
    by_name = {(p.given_name, p.family_name): p for p in adults}
    out = ["ref,person,born,band"]
    leaked: set[str] = set()
    for n, row in enumerate(rows[2:8]):
        person = by_name[(row["given_name"], row["family_name"])]
        assert person.date_of_birth is not None
        name = name_forms(person)[(n * 5) % 12]
        born = written_forms(person.date_of_birth)[(n * 7 + 3) % 12]
        out.append(f'{row["row_tag"]},"{name}",{born},{row["band"]}')
        leaked.add(ids[person.subject_id])
    path = corpus.root / LEAK
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    with world.register.uow.read_only() as session:
        disclosure_id = session.scalar(
            select(DisclosureRow.id).where(DisclosureRow.reference == shared.reference)
        )
    assert disclosure_id is not None
    return disclosure_id, leaked


def _entries_of(world: SharingWorld, subjects: list[str]) -> list[str]:
    with world.register.uow.read_only() as session:
        query = select(Entry.subject_id, Entry.id).where(Entry.subject_id.in_(subjects))
        rows = {r.subject_id: r.id for r in session.execute(query)}
    return [rows[s] for s in subjects]


def _scan(env: Register, token: str, root: Path) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["scan", str(root), "--token", token, "--json"])
    assert result.exit_code == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_every_planted_copy_is_found_and_attributed_through_the_cli(
    env: Register, tmp_path: Path
) -> None:
    world = sharing_world(env, people=0)
    corpus = generate_corpus(tmp_path / "drive", today=date(2025, 6, 1))
    ids = _register_the_corpus(world, corpus)
    disclosure_id, leaked = _plant_a_real_leak(world, corpus, ids, tmp_path)
    token = issue_token(uow=env.uow, user_id=world.cast.dpo.id)

    report = _scan(env, token, corpus.root)

    found = {str(Path(f["path"]).relative_to(corpus.root)): f for f in report["findings"]}
    assert corpus.planted  # the xlsx, ods, e-mail, PDF, Word, fragment and erased copies
    for planted in corpus.planted:
        finding = found[planted.path]
        assert finding["strength"] == "strong", planted.path
        assert set(finding["strong_subject_ids"]) == {ids[s] for s in planted.strong}
        assert finding["erased_matches"] == planted.erased, planted.path
        assert finding["informal_list"] is planted.informal, planted.path
    leak = found[LEAK]
    assert leak["strength"] == "strong"
    assert set(leak["strong_subject_ids"]) == leaked
    assert leak["disclosure_ids"] == [disclosure_id]
    assert leak["tagged_rows"] == len(leaked)
    for decoy in corpus.decoys:
        assert decoy not in found or found[decoy]["strength"] != "strong", decoy
    for hostile in corpus.hostile:
        assert found[hostile]["strength"] == "none", hostile
        assert found[hostile]["problems"], hostile
    assert report["files_scanned"] >= len(corpus.planted) + len(corpus.decoys) + 1

    # Stored with identifiers only: no name or date of birth of anyone planted.
    with env.uow.read_only() as session:
        stored = session.scalars(select(LossFinding)).all()
    assert {s.id for s in stored} == {f["id"] for f in report["findings"]}
    held = json.dumps([[*vars(s).values()] for s in stored], default=str).casefold()
    for person in [*corpus.people[:40], corpus.erased]:
        assert person.family_name.casefold() not in held
        assert str(person.date_of_birth) not in held
