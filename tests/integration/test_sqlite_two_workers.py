"""Two writers on one SQLite file never fail with "database is locked" (BEGIN IMMEDIATE)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from listwarden.bootstrap import Register, open_register
from listwarden.services.consult import consult_entry
from listwarden.settings import Settings
from listwarden.store.tables import Entry, Event
from tests.factories import add_person, authorised_list, make_cast

WHY = {"purpose": "gang_violence_reduction", "justification": "concurrency check, CE"}


def test_two_workers_write_and_consult_concurrently(register: Register, settings: Settings) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    seeded = [add_person(register, cast, matrix, n=n) for n in range(5)]
    # A second, independent register on the same database: another worker process's view.
    other = open_register(settings, migrate_schema=False)
    errors: list[BaseException] = []

    def writer(reg: Register, offset: int) -> None:
        try:
            for n in range(offset, offset + 15):
                add_person(reg, cast, matrix, n=n)
                consult_entry(uow=reg.uow, actor=cast.officer, entry_id=seeded[n % 5], **WHY)
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [
        threading.Thread(target=writer, args=(reg, off))
        for reg, off in ((register, 100), (other, 200))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.close()
    assert errors == []
    with register.uow.read_only() as session:
        assert session.scalar(select(func.count()).select_from(Entry)) == 35
        consults = session.scalar(
            select(func.count()).select_from(Event).where(Event.operation == "entry:consult")
        )
    assert consults == 30
