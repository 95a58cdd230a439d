"""The retention sweep (law 3) on both databases: removal with intelligence, kill and rerun."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, make_url, select, update
from typer.testing import CliRunner

from listwarden.bootstrap import Register, open_register
from listwarden.cli import app
from listwarden.crypto.keystore_schema import data_keys
from listwarden.crypto.register_keys import RegisterKeys
from listwarden.domain.errors import Conflict, InvalidInput
from listwarden.services import erasure, retention
from listwarden.services.entries import NewEvidence, NewIntelligence
from listwarden.services.retention import schedule_for, scheduler_lock, sweep
from listwarden.settings import Settings
from listwarden.store.tables import Entry, IntelligenceItem, Removal, Subject
from tests.factories import Cast, add_child, add_person, authorised_list, grant, make_cast


def _quiet(register: Register, cast: Cast, list_id: str, n: int, *, score: int = 0) -> str:
    """An entry whose last gang-related attention is today, with a score and intelligence."""
    today = register.uow.today()
    return add_person(
        register,
        cast,
        list_id,
        n,
        score=score,
        band="green" if score == 0 else "red",
        evidence=[NewEvidence("offence", "perpetrator", today, f"Evidence {n}", gang_related=True)],
        intelligence=[NewIntelligence("2B P", "police", f"SRC-{n}", "Intel text", today)],
    )


def _later(register: Register, days: int) -> None:
    moved = register.uow.now() + timedelta(days=days)
    register.uow.clock = lambda: moved


def _due(register: Register, n: int, *, days: int = 190) -> list[str]:
    """``n`` quiet zero-score entries on one list, ``days`` later: each due for removal."""
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    written = [_quiet(register, cast, matrix, i) for i in range(n)]
    _later(register, days)
    return written


def _count(register: Register, table: type, *where: object) -> int:
    with register.uow.read_only() as session:
        return int(session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def test_zero_score_entry_quiet_six_months_is_removed_with_its_intelligence(
    register: Register,
) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    gone = _quiet(register, cast, matrix, 1, score=0)
    kept = _quiet(register, cast, matrix, 2, score=12)
    with register.uow.read_only() as session:
        subject_id = session.scalar(select(Entry.subject_id).where(Entry.id == gone))
    assert subject_id is not None
    _later(register, 190)

    report = sweep(uow=register.uow)

    assert report.removed == 1
    assert report.subjects_erased == 1
    assert report.removals == [{"entry_id": gone, "rule": "quiet-six-months-score-below-one"}]
    assert _count(register, Entry, Entry.id == gone) == 0
    assert _count(register, Entry, Entry.id == kept) == 1
    assert _count(register, IntelligenceItem, IntelligenceItem.entry_id == gone) == 0
    assert _count(register, Subject, Subject.id == subject_id) == 0
    assert _count(register, Removal, Removal.subject_id == subject_id) == 1
    assert register.uow.keys is not None
    certificate = register.uow.keys.certificate_for_subject(subject_id)
    assert certificate is not None
    assert certificate.completed
    assert not register.uow.keys.has_data_key(subject_id)
    # Idempotent: a second sweep finds nothing more to remove.
    assert sweep(uow=register.uow).removed == 0


def test_dry_run_changes_nothing(register: Register) -> None:
    _due(register, 3, days=400)
    report = sweep(uow=register.uow, dry_run=True)
    assert report.removed == 3
    assert report.dry_run
    assert _count(register, Entry) == 3
    assert _count(register, Removal) == 0


def test_killed_sweep_rerun_leaves_no_half_erased_person(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    for n in range(4):
        _quiet(register, cast, matrix, n)
    _later(register, 190)

    def kill(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep(uow=register.uow, batch_size=1, progress=kill)
    assert _count(register, Entry) == 3

    report = sweep(uow=register.uow)

    assert report.removed == 3
    assert _count(register, Entry) == 0
    assert _count(register, Subject) == 0
    keys = register.uow.keys
    assert keys is not None
    assert list(keys.pending_certificates()) == []
    with register.uow.read_only() as session:
        removed = list(session.scalars(select(Removal.subject_id)))
    assert len(removed) == 4
    assert not any(keys.has_data_key(s) for s in removed)


def test_person_on_another_list_keeps_their_key_and_is_flagged_when_relisted(
    register: Register,
) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    other = authorised_list(register, cast, name="Second Matrix")
    gone = _quiet(register, cast, matrix, 7)
    staying = _quiet(register, cast, other, 7, score=15)
    _later(register, 190)

    report = sweep(uow=register.uow)

    assert report.removed == 1
    assert report.subjects_erased == 0
    with register.uow.read_only() as session:
        subject_id = session.scalar(select(Entry.subject_id).where(Entry.id == staying))
    assert subject_id is not None
    assert _count(register, Entry, Entry.id == gone) == 0
    assert register.uow.keys is not None
    assert register.uow.keys.has_data_key(subject_id)
    _later(register, 30)
    grant(register, cast, matrix)  # unused grants lapse in the months that passed (law 7)
    again = _quiet(register, cast, matrix, 7, score=15)
    with register.uow.read_only() as session:
        flagged = session.scalar(select(Entry.relisted_after_removal_on).where(Entry.id == again))
    assert flagged == register.uow.today()


def test_unknown_schedule_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput) as refused:
        schedule_for("retention/nowhere.toml")
    assert refused.value.reasons[0].code == "unknown-retention-schedule"
    assert schedule_for("retention/matrix.toml").list_name == "matrix"


def test_cli_sweep_dry_run_then_sweep(register: Register, monkeypatch: pytest.MonkeyPatch) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    long_ago = register.uow.today() - timedelta(days=200)
    add_person(
        register,
        cast,
        matrix,
        1,
        score=0,
        evidence=[NewEvidence("offence", "suspect", long_ago, "Old evidence", gang_related=True)],
    )
    monkeypatch.setenv("LISTWARDEN_HOME", str(register.settings.home))
    monkeypatch.setenv("LISTWARDEN_DATABASE_URL", register.settings.resolved_database_url)
    cli = CliRunner()

    dry = cli.invoke(app, ["retention", "sweep", "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.stderr
    assert json.loads(dry.stdout)["removed"] == 1
    assert _count(register, Entry) == 1

    done = cli.invoke(app, ["retention", "sweep"])
    assert done.exit_code == 0, done.stderr
    assert "1 entries were removed (1 people erased)" in done.stdout
    assert _count(register, Entry) == 0


def test_the_sweep_runs_on_a_suspended_list(register: Register) -> None:
    cast = make_cast(register)
    today = register.uow.today()
    matrix = authorised_list(register, cast, review_on=today + timedelta(days=10))
    _quiet(register, cast, matrix, 1)
    _later(register, 190)  # the DPIA review date has passed: the list is suspended (law 1)
    assert sweep(uow=register.uow).removed == 1
    assert _count(register, Entry) == 0


def test_a_sweep_killed_before_the_keys_went_is_finished_by_the_next(
    register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    for n in range(3):
        _quiet(register, cast, matrix, n)
    _later(register, 190)

    def killed(self: RegisterKeys, certificate_ids: object) -> int:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(RegisterKeys, "complete_erasures", killed)
        with pytest.raises(KeyboardInterrupt):
            sweep(uow=register.uow)
    keys = register.uow.keys
    assert keys is not None
    assert _count(register, Entry) == 0
    assert len(keys.pending_certificates()) == 3

    report = sweep(uow=register.uow)

    assert report.removed == 0
    assert keys.pending_certificates() == []
    with register.uow.read_only() as session:
        removed = list(session.scalars(select(Removal.subject_id)))
    assert len(removed) == 3
    assert not any(keys.has_data_key(s) for s in removed)


def test_a_second_sweep_while_one_runs_is_refused(register: Register, settings: Settings) -> None:
    """Two workers of one server: the sweep's lock lets one sweep, the other is told why not."""
    other = open_register(settings, migrate_schema=False)
    try:
        refused = pytest.raises(Conflict, match="a retention sweep is already running")
        with scheduler_lock(register.uow), refused:
            sweep(uow=other.uow)
        assert sweep(uow=other.uow).removed == 0
    finally:
        other.close()


def _sealed_keys(register: Register, subject_ids: list[str]) -> list[bytes]:
    with register.keystore.read_connection() as conn:
        rows = conn.execute(
            select(data_keys.c.wrapped).where(data_keys.c.owner_id.in_(subject_ids))
        ).scalars()
        return [bytes(wrapped)[-48:] for wrapped in rows]  # each key's ciphertext and tag


def _in_keystore_files(register: Register, needles: list[bytes]) -> int:
    path = Path(str(make_url(register.settings.resolved_keystore_url).database))
    data = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    return sum(1 for needle in needles if needle in data)


def test_destroyed_keys_leave_the_key_store_wal_during_and_after_a_sweep(
    register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    entries = [_quiet(register, cast, matrix, n) for n in range(5)]
    with register.uow.read_only() as session:
        people = list(session.scalars(select(Entry.subject_id).where(Entry.id.in_(entries))))
    sealed = _sealed_keys(register, people)
    assert _in_keystore_files(register, sealed) == 5, "the scan must see the keys beforehand"
    _later(register, 190)
    monkeypatch.setattr(retention, "PURGE_EVERY", 2)
    seen: list[tuple[int, int]] = []

    def stop_after_three(done: int, total: int) -> None:
        seen.append((done, _in_keystore_files(register, sealed)))
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep(uow=register.uow, batch_size=1, progress=stop_after_three)

    # After two removals the WAL was truncated; the third waited for the end of the sweep,
    # which came by an interrupt and truncated it too.
    assert seen[1] == (2, 3)
    assert _in_keystore_files(register, sealed) == 2
    sweep(uow=register.uow)
    assert _in_keystore_files(register, sealed) == 0


def test_a_batch_whose_erasure_fails_keeps_no_removal_record(
    register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The identifiers-only removal records commit with the deletions, or not at all."""
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    for n in range(3):
        _quiet(register, cast, matrix, n)
    _later(register, 190)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    with monkeypatch.context() as patch:
        patch.setattr(erasure, "add_events", broken)
        with pytest.raises(RuntimeError):
            sweep(uow=register.uow)
    assert _count(register, Entry) == 3
    assert _count(register, Removal) == 0

    assert sweep(uow=register.uow).removed == 3
    assert _count(register, Removal) == 3


def test_the_sweep_brings_a_childs_review_within_the_quarter(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    today = register.uow.today()
    child = add_child(register, cast, matrix, category="convicted", score=12, band="red")
    adult = add_person(register, cast, matrix, 2, category="convicted", score=12, band="red")
    with register.uow.transaction() as session:  # reviews put off for a year
        session.execute(
            update(Entry)
            .where(Entry.id.in_([child, adult]))
            .values(next_review_on=today + timedelta(days=365))
        )
    _later(register, 190)  # six quiet months: both are candidates, neither is removed

    sweep(uow=register.uow)

    with register.uow.read_only() as session:
        due = {
            row.id: row.next_review_on
            for row in session.execute(select(Entry.id, Entry.next_review_on))
        }
    # Listed the same day: the child's next review comes a quarter after, the adult's half a year.
    schedule = schedule_for("retention/matrix.toml")
    gap = schedule.review_interval_days - schedule.child_review_days
    assert gap > 0
    assert due[adult] - due[child] == timedelta(days=gap)


def test_the_sweep_removes_entries_in_the_order_they_are_stored(register: Register) -> None:
    """Not sorted by id: a batch of entries stored side by side dirties few pages (speed alone).

    Rows never updated are stored in the order they were written, on both databases, and eight
    random ids come out in that order once in 40,320 sweeps.
    """
    written = _due(register, 8)
    assert written != sorted(written)

    report = sweep(uow=register.uow, batch_size=1)  # a page is read sorted; one a page

    assert [r["entry_id"] for r in report.removals] == written


def test_the_collector_is_held_off_the_heap_only_while_a_sweep_runs(register: Register) -> None:
    import gc

    _due(register, 2)
    before = gc.get_threshold()
    during: list[tuple[int, tuple[int, int, int]]] = []

    def progress(done: int, total: int) -> None:
        during.append((gc.get_freeze_count(), gc.get_threshold()))

    sweep(uow=register.uow, batch_size=1, progress=progress)

    assert len(during) == 2
    assert all(frozen > 0 for frozen, _ in during)
    assert all(t == (max(before[0], 50_000), *before[1:]) for _, t in during)
    assert (gc.get_freeze_count(), gc.get_threshold()) == (0, before)
