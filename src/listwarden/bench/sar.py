"""SAR benchmark: compiling one person's subject access response as the register grows.

The register is filled with other people's entries by bare inserts (their values are filler:
the response never opens them), then one person is put on two lists through the services,
given intelligence, and consulted. The response is compiled at each size; the baseline, in the
same run, is bare SQL reading that person's entries, log events and monitoring record by the
same indexes, so the ratio is what decrypting, restricting and logging the read cost. Constant
time across sizes is the claim: the compiler reads only by the subject's indexes.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, insert, select

from listwarden.bench.core import _setup
from listwarden.bench.timing import progress
from listwarden.bootstrap import Register
from listwarden.demo.generator import create_authorised_list
from listwarden.domain.access import Actor
from listwarden.domain.vocabulary import Role
from listwarden.services.consult import consult_entry
from listwarden.services.entries import NewEntry, NewIntelligence, add_entries
from listwarden.services.subject_access import compile_sar
from listwarden.services.subject_requests import record_request
from listwarden.store.tables import Entry, Event, MonitoringRecord, Subject

FILL_BATCH = 5_000
RUNS = 15


def _fill(register: Register, list_id: str, user_id: str, upto: int, done: int) -> None:
    """Other people's entries, inserted bare until the list holds ``upto``."""
    today, now = register.uow.today(), datetime.now(UTC)
    while done < upto:
        n = min(FILL_BATCH, upto - done)
        subjects, entries = [], []
        for _ in range(n):
            sid = str(uuid.uuid4())
            subjects.append(
                {
                    "id": sid,
                    "given_name_ct": b"x",
                    "family_name_ct": b"x",
                    "date_of_birth_ct": b"x",
                    "name_dob_index": uuid.uuid4().bytes,
                    "created_at": now,
                }
            )
            entries.append(
                {
                    "id": str(uuid.uuid4()),
                    "list_id": list_id,
                    "subject_id": sid,
                    "category": "suspected",
                    "bcu": "CE",
                    "status": "active",
                    "added_on": today,
                    "added_by": user_id,
                    "next_review_on": today,
                    "child_at_entry": False,
                }
            )
        with register.engine.begin() as connection:
            connection.execute(insert(cast(Table, Subject.__table__)), subjects)
            connection.execute(insert(cast(Table, Entry.__table__)), entries)
        done += n


def _person(register: Register, users: dict[Role, Actor], lists: list[str]) -> str:
    today = register.uow.today()
    entry_ids = []
    for list_id in lists:
        entry_ids += add_entries(
            uow=register.uow,
            actor=users[Role.IAO],
            list_id=list_id,
            purpose="gang_violence_reduction",
            items=[
                NewEntry(
                    given_name="Sar",
                    family_name="Benchperson",
                    date_of_birth=today - timedelta(days=25 * 365),
                    category="suspected",
                    bcu="CE",
                    intelligence=[
                        NewIntelligence("2B P", "police", f"SRC-{n}", f"item {n}", today)
                        for n in range(5)
                    ],
                )
            ],
        )
    for entry_id in entry_ids:
        for _ in range(10):
            consult_entry(
                uow=register.uow,
                actor=users[Role.OFFICER],
                entry_id=entry_id,
                purpose="gang_violence_reduction",
                justification="benchmark consultation",
            )
    with register.uow.read_only() as session:
        subject_id: str = session.scalars(
            select(Entry.subject_id).where(Entry.id == entry_ids[0])
        ).one()
    return record_request(
        uow=register.uow,
        actor=users[Role.IRU],
        subject_id=subject_id,
        kind="access",
        received_on=today,
        identity_method="benchmark",
        identity_confirmed_on=today,
    )


def _bare(register: Register, subject_id: str) -> float:
    t0 = time.perf_counter()
    with register.engine.connect() as connection:
        connection.execute(select(Entry).where(Entry.subject_id == subject_id)).all()
        connection.execute(select(Event).where(Event.subject_id == subject_id)).all()
        connection.execute(
            select(MonitoringRecord).where(MonitoringRecord.subject_id == subject_id)
        ).all()
    return time.perf_counter() - t0


def bench_sar(*, sizes: list[int], show_progress: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"runs_per_size": RUNS}
    with tempfile.TemporaryDirectory(prefix="lw-bench-sar-") as tmp:
        register, users, matrix = _setup(Path(tmp) / "service")
        second = create_authorised_list(
            register,
            owner=users[Role.IAO],
            dpo=users[Role.DPO],
            name="Bench list 2",
            purposes=["gang_violence_reduction"],
            categories=["suspected", "convicted"],
            description="benchmark",
            notice="benchmark",
        )
        request_id = _person(register, users, [matrix, second])
        with register.uow.read_only() as session:
            subject_id = session.scalars(
                select(Entry.subject_id).where(Entry.list_id == second)
            ).one()
        iru, done = users[Role.IRU], 0
        with progress(show_progress) as bar:
            task = bar.add_task("sar: filling the register", total=max(sizes))
            for size in sorted(sizes):
                _fill(register, matrix, users[Role.IAO].id, size, done)
                done = size
                bar.update(task, completed=size)
                compiled, bare = [], []
                for _ in range(RUNS):
                    t0 = time.perf_counter()
                    compile_sar(uow=register.uow, actor=iru, request_id=request_id, answer=False)
                    compiled.append(time.perf_counter() - t0)
                    bare.append(_bare(register, subject_id))
                c, b = statistics.median(compiled), statistics.median(bare)
                out[f"entries_{size}"] = {
                    "sar_compile_median_ms": round(c * 1000, 2),
                    "baseline_bare_select_median_ms": round(b * 1000, 3),
                    "cost_ratio": round(c / b, 1),
                }
        register.close()
    out["person"] = "2 entries, 10 intelligence items, 20 consultations (growing as it is read)"
    out["targets"] = {"sar_compile_ms_at_1000000_entries": "< 1000"}
    return out
