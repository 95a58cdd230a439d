"""Law 12's look at what the sweep would remove finds its candidates by one scan, then decides
them as the sweep does: on both databases it names exactly the entries the sweep's own walk of
the primary key decides to remove, as time passes."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from listwarden.bootstrap import Register
from listwarden.domain.retention import RetentionOutcome, decide
from listwarden.services.entries import NewEvidence
from listwarden.services.retention import _batches, entries_due_for_removal, schedule_for
from listwarden.store.tables import RegisterList
from tests.factories import add_person, authorised_list, make_cast


def _by_the_sweeps_walk(register: Register) -> list[str]:
    day = register.uow.today()
    with register.uow.read_only() as session:
        lists = session.execute(
            select(RegisterList.id, RegisterList.retention_schedule_ref).order_by(RegisterList.id)
        ).all()
    due: list[str] = []
    for list_id, ref in lists:
        schedule = schedule_for(ref)
        for batch in _batches(register.uow, list_id, schedule, day, 3):
            due.extend(
                c.entry_id
                for c in batch
                if decide(c.facts, schedule, day).outcome is RetentionOutcome.REMOVE
            )
    return due


def test_the_scan_names_exactly_what_the_sweeps_walk_would_remove(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast, review_on=register.uow.today() + timedelta(days=2000))
    rng = random.Random(4)
    today = register.uow.today()
    for n in range(14):
        evidence = [
            NewEvidence(
                "offence",
                rng.choice(["perpetrator", "victim"]),
                today - timedelta(days=rng.randint(0, 300)),
                "Seen",
                gang_related=rng.random() < 0.6,
            )
            for _ in range(rng.randint(0, 2))
        ]
        add_person(
            register,
            cast,
            matrix,
            n,
            score=rng.choice([0, 0, 3, 20]),
            band=rng.choice(["green", "amber", "red"]),
            evidence=evidence,
        )
    clock = register.uow.clock
    found_any = False
    for days in (0, 100, 200, 400, 800):
        register.uow.clock = lambda d=days: clock() + timedelta(days=d)
        walked = _by_the_sweeps_walk(register)
        assert entries_due_for_removal(uow=register.uow, batch_size=3) == walked
        found_any = found_any or bool(walked)
    assert found_any  # time brings removals: the comparison is not of two empty lists
