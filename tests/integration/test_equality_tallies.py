"""Law 9 on both databases: the sealed equality tallies give exactly the figures of opening every
monitoring record, on random populations, after removals and erasures, and as people age."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, select

from listwarden.bootstrap import Register
from listwarden.domain.errors import CiphertextTampered
from listwarden.domain.monitoring import IdentityCode, SelfDefinedEthnicity
from listwarden.services.assessments import assess_entry, confirm_assessments
from listwarden.services.entries import NewEvidence, add_entries
from listwarden.services.equality import current_tallies, reference_tallies, tallies_from
from listwarden.services.equality_tallies import read_tallies
from listwarden.services.erasure import EntryRemoval, erase_entries, erase_entry, erase_subject
from listwarden.services.subject_decisions import decide_request
from listwarden.services.subject_requests import record_request
from listwarden.store.oversight_tables import EqualityTallyRow
from listwarden.store.tables import Entry, MonitoringRecord, Subject
from tests.factories import Cast, authorised_list, framework_active, make_cast, person

PURPOSE = "gang_violence_reduction"
CODES = [None, *(c.value for c in IdentityCode)]
ETHNICITIES = [None, *(e.value for e in SelfDefinedEthnicity)]
BCUS = ["CE", "SN", "NA", "AW"]


def _born(rng: random.Random, today: date) -> date:
    """Mostly children and young adults near 16 and 18, where the age bands turn."""
    return today - timedelta(days=rng.randint(12 * 365, 22 * 365))


def _population(
    register: Register, cast: Cast, lists: list[str], rng: random.Random, n: int, first: int = 0
) -> None:
    """``n`` random people, some on both lists (the same person, held once)."""
    today = register.uow.today()
    people = []
    for i in range(first, first + n):
        born = _born(rng, today)
        people.append(
            (
                i,
                born,
                rng.choice(CODES),
                rng.choice(ETHNICITIES),
            )
        )
    for list_id in lists:
        chosen = [p for p in people if rng.random() < 0.7]
        items = []
        for i, born, code, ethnicity in chosen:
            child = (today.year - born.year) - ((today.month, today.day) < (born.month, born.day))
            items.append(
                person(
                    i,
                    born=born,
                    bcu=rng.choice(BCUS),
                    category=rng.choice(["suspected", "convicted"]),
                    band=rng.choice([None, "red", "amber", "green"]),
                    identity_code=code,
                    self_defined_ethnicity=ethnicity,
                    **(
                        {"iao_approval_by": cast.iao.id, "safeguarding_referral": "MASH-1"}
                        if child < 18
                        else {}
                    ),
                )
            )
        add_entries(uow=register.uow, actor=cast.iao, list_id=list_id, purpose=PURPOSE, items=items)


def _stored_figures(register: Register, day: date | None = None) -> object:
    """The figures from the stored tallies as they stand, never rebuilt first."""
    with register.uow.read_only() as session:
        stored = read_tallies(session, register.uow.cipher)
    return tallies_from(stored, day or register.uow.today())


def _same(register: Register, day: date | None = None) -> None:
    reference = reference_tallies(uow=register.uow, actor=None, on=day)
    assert _stored_figures(register, day) == reference  # kept, not rebuilt
    assert current_tallies(uow=register.uow, actor=None, on=day) == reference


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_tallies_match_every_record_opened_after_removals_erasures_and_ageing(
    register: Register, seed: int
) -> None:
    rng = random.Random(seed)
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    other = authorised_list(register, cast, name="Second list")
    _population(register, cast, [matrix, other], rng, 30)
    _same(register)

    with register.uow.read_only() as session:
        rows = session.execute(select(Entry.id, Entry.subject_id).order_by(Entry.id)).all()
    picked = rng.sample(rows, 8)
    for entry_id, _ in picked[:3]:  # one entry removed: the person may stay on the other list
        erase_entry(
            uow=register.uow,
            actor_id=cast.dpo.id,
            entry_id=entry_id,
            rule_or_request="r",
            reason="t",
        )
    _same(register)
    gone = {s for _, s in picked[:3]}
    for _, subject_id in picked[3:5]:  # a whole person erased, from every list
        if subject_id not in gone:
            erase_subject(
                uow=register.uow,
                actor_id=cast.dpo.id,
                subject_id=subject_id,
                rule_or_request="r",
                reason="t",
            )
            gone.add(subject_id)
    _same(register)
    batch = [EntryRemoval(e, "sweep", "t") for e, s in picked[5:] if s not in gone]
    erase_entries(uow=register.uow, actor_id=None, removals=batch)  # the sweep's batch
    _same(register)

    # Months and years later, children turn 16 and 18 with no change written: the tallies,
    # kept by birth month, give the bands of the later day.
    now = register.uow.now()
    for months in (1, 7, 13, 25, 60):
        _same(register, (now + timedelta(days=30 * months)).date())
    # A change written later folds those now adult, and the tallies then answer from that day.
    later = now + timedelta(days=30 * 25)
    register.uow.clock = lambda: later
    with register.uow.read_only() as session:
        left = session.scalars(select(Entry.id).order_by(Entry.id)).all()
    erase_entries(uow=register.uow, actor_id=None, removals=[EntryRemoval(left[0], "r", "t")])
    _same(register)
    _same(register, (later + timedelta(days=400)).date())
    # A day before that fold is counted from the records.
    earlier = (now + timedelta(days=30)).date()
    assert current_tallies(uow=register.uow, actor=None, on=earlier) == reference_tallies(
        uow=register.uow, actor=None, on=earlier
    )


def test_a_band_confirmed_moves_the_entry_to_its_new_cell(register: Register) -> None:
    cast = make_cast(register)
    matrix = framework_active(register, cast)
    today = register.uow.today()
    evidence = [NewEvidence("offence", "perpetrator", today, "Shot", offence_class="firearms")]
    entry = add_entries(
        uow=register.uow,
        actor=cast.iao,
        list_id=matrix,
        purpose=PURPOSE,
        items=[person(1, evidence=evidence, band="green", self_defined_ethnicity="black_african")],
    )[0]
    scored = assess_entry(uow=register.uow, actor=cast.iao, entry_id=entry, purpose=PURPOSE)
    confirm_assessments(
        uow=register.uow, actor=cast.iao2, assessment_ids=[scored.id], purpose=PURPOSE
    )
    with register.uow.read_only() as session:
        band = session.scalar(select(Entry.band).where(Entry.id == entry))
    assert band != "green"
    _same(register)


def test_a_tally_that_disagrees_with_the_entries_is_rebuilt(register: Register) -> None:
    """Rows written around the services (here by hand) are found by the count and recounted."""
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    rng = random.Random(5)
    _population(register, cast, [matrix], rng, 12)
    with register.uow.transaction() as session:
        sid = "00000000-0000-0000-0000-00000000000a"
        session.execute(
            insert(Subject),
            [
                {
                    "id": sid,
                    "given_name_ct": b"x",
                    "family_name_ct": b"x",
                    "date_of_birth_ct": b"x",
                    "name_dob_index": b"0123456789abcdef",
                    "created_at": datetime.now(UTC),
                }
            ],
        )
        session.execute(
            insert(Entry),
            [
                {
                    "id": "00000000-0000-0000-0000-00000000000b",
                    "list_id": matrix,
                    "subject_id": sid,
                    "category": "suspected",
                    "bcu": "CE",
                    "status": "active",
                    "added_on": register.uow.today(),
                    "added_by": cast.iao.id,
                    "next_review_on": register.uow.today(),
                }
            ],
        )
    assert _stored_figures(register) != reference_tallies(uow=register.uow, actor=None)
    one_list = reference_tallies(uow=register.uow, actor=None, list_id=matrix)
    assert current_tallies(uow=register.uow, actor=None, list_id=matrix) == one_list
    _same_after_report(register)
    with register.uow.transaction() as session:  # a record lost by hand: counted as unknown
        session.execute(delete(MonitoringRecord).where(MonitoringRecord.subject_id != sid))
    _same_after_report(register)


def _same_after_report(register: Register) -> None:
    reference = reference_tallies(uow=register.uow, actor=None)
    assert current_tallies(uow=register.uow, actor=None) == reference
    assert _stored_figures(register) == reference  # stored again by the report


def test_the_tally_is_sealed_and_bound_to_its_list(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    other = authorised_list(register, cast, name="Second list")
    _population(register, cast, [matrix, other], random.Random(9), 10)
    with register.uow.read_only() as session:
        rows = session.execute(select(EqualityTallyRow.list_id, EqualityTallyRow.cells_ct))
        blobs: dict[str, bytes] = {r.list_id: r.cells_ct for r in rows}
    for blob in blobs.values():
        assert b'"not_stated"' not in blob
        assert b'"suspected"' not in blob
    with pytest.raises(CiphertextTampered):  # another list's tally does not open as this one's
        register.uow.cipher.open_tally(matrix, blobs[other])


def test_a_corrected_date_of_birth_moves_the_birth_month_and_the_person_s_cells(
    register: Register,
) -> None:
    """Rectification (s.46) of a date of birth: the monitoring record's birth month follows it,
    and the tallies move the person to the age band the corrected date gives."""
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    today = register.uow.today()
    adult = today - timedelta(days=30 * 365)
    (entry,) = add_entries(
        uow=register.uow,
        actor=cast.iao,
        list_id=matrix,
        purpose=PURPOSE,
        items=[person(1, born=adult, self_defined_ethnicity="black_african")],
    )
    with register.uow.read_only() as session:
        subject_id = session.get_one(Entry, entry).subject_id
    request_id = record_request(
        uow=register.uow,
        actor=cast.iru,
        subject_id=subject_id,
        kind="rectification",
        received_on=today,
        identity_method="passport",
        identity_confirmed_on=today,
    )
    child = today - timedelta(days=15 * 365)
    decide_request(
        uow=register.uow,
        actor=cast.iru,
        request_id=request_id,
        grant=True,
        reason="the birth certificate gives a later date",
        corrections={"date_of_birth": child.isoformat()},
    )
    with register.uow.read_only() as session:
        record = session.scalars(
            select(MonitoringRecord).where(MonitoringRecord.subject_id == subject_id)
        ).one()
        month = register.uow.cipher.open_monitoring(record.id, "birth_month", record.birth_month_ct)
    assert month == child.strftime("%Y-%m")
    _same(register)
