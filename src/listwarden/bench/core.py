"""Core benchmark: entries added per second and consultation latency, beside bare SQLAlchemy.

The baseline does the same inserts and primary-key selects with SQLAlchemy Core on the same
tables, in batches of the same size, with no rules, no encryption and no event.
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select

from listwarden.bench.timing import percentile, progress
from listwarden.bootstrap import Register, open_register
from listwarden.demo.generator import create_authorised_list, create_demo_users
from listwarden.domain.vocabulary import Role
from listwarden.services.consult import consult_entry
from listwarden.services.entries import NewEntry, add_entries
from listwarden.settings import Settings
from listwarden.setup import initialise
from listwarden.store.tables import Entry, Subject

BATCH = 500
WHY = {"purpose": "gang_violence_reduction", "justification": "benchmark consultation"}


def _items(rng: random.Random, n: int, today: date) -> list[NewEntry]:
    return [
        NewEntry(
            given_name=f"Bench{i}",
            family_name=f"Person{rng.randrange(10**9)}",
            date_of_birth=today - timedelta(days=rng.randint(18 * 366, 40 * 365)),
            category="suspected",
            bcu="CE",
        )
        for i in range(n)
    ]


def _bare_rows(
    items: list[NewEntry], list_id: str, user_id: str, today: date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    subjects, entries = [], []
    for item in items:
        sid = str(uuid.uuid4())
        subjects.append(
            {
                "id": sid,
                "given_name_ct": item.given_name.encode(),
                "family_name_ct": item.family_name.encode(),
                "date_of_birth_ct": item.date_of_birth.isoformat().encode(),
                "name_dob_index": uuid.uuid4().bytes,
                "created_at": _now(),
            }
        )
        entries.append(
            {
                "id": str(uuid.uuid4()),
                "list_id": list_id,
                "subject_id": sid,
                "category": item.category,
                "bcu": item.bcu,
                "status": "active",
                "added_on": today,
                "added_by": user_id,
                "next_review_on": today,
                "child_at_entry": False,
            }
        )
    return subjects, entries


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _setup(home: Path) -> tuple[Register, Any, str]:
    settings = Settings(home=home)
    initialise(settings)
    register = open_register(settings)
    users = create_demo_users(register)
    iao, dpo = users[Role.IAO], users[Role.DPO]
    list_id = create_authorised_list(
        register,
        owner=iao,
        dpo=dpo,
        name="Bench list",
        purposes=["gang_violence_reduction"],
        categories=["suspected", "convicted"],
        description="benchmark",
        notice="benchmark",
    )
    return register, users, list_id


def bench_core(
    *, entries: int = 100_000, consults: int = 2_000, seed: int = 7, show_progress: bool = True
) -> dict[str, Any]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="lw-bench-") as tmp:
        register, users, list_id = _setup(Path(tmp) / "service")
        baseline, base_users, base_list = _setup(Path(tmp) / "baseline")
        today = register.uow.today()
        iao = users[Role.IAO]
        items = _items(rng, entries, today)
        service_s = bare_s = 0.0
        with progress(show_progress) as bar:
            task = bar.add_task("core: adding entries", total=2 * entries)
            for start in range(0, entries, BATCH):
                batch = items[start : start + BATCH]
                t0 = time.perf_counter()
                add_entries(
                    uow=register.uow,
                    actor=iao,
                    list_id=list_id,
                    purpose="gang_violence_reduction",
                    items=batch,
                )
                service_s += time.perf_counter() - t0
                subjects, rows = _bare_rows(batch, base_list, base_users[Role.IAO].id, today)
                t0 = time.perf_counter()
                with baseline.engine.begin() as connection:
                    connection.execute(insert(Subject), subjects)
                    connection.execute(insert(Entry), rows)
                bare_s += time.perf_counter() - t0
                bar.advance(task, 2 * len(batch))
        consult = _consult_latencies(register, list_id, users, consults, rng)
        bare_consult = _bare_latencies(baseline, base_list, consults, rng)
        register.close()
        baseline.close()
    add_rate, bare_rate = entries / service_s, entries / bare_s
    return {
        "entries": entries,
        "batch": BATCH,
        "add_entries_per_s": round(add_rate),
        "baseline_bare_inserts_per_s": round(bare_rate),
        "add_cost_ratio": round(bare_rate / add_rate, 2),
        "consult_p50_ms": round(consult[0], 3),
        "consult_p99_ms": round(consult[1], 3),
        "baseline_select_p50_ms": round(bare_consult[0], 3),
        "baseline_select_p99_ms": round(bare_consult[1], 3),
        "consult_cost_ratio_p50": round(consult[0] / bare_consult[0], 2),
        "targets": {
            "add_entries_per_s": ">= 2000",
            "consult_p50_ms": "< 2",
            "ratios": "<= 3x the bare baseline",
        },
    }


def _entry_ids(register: Register, list_id: str, n: int, rng: random.Random) -> list[str]:
    with register.uow.read_only() as session:
        ids = list(session.scalars(select(Entry.id).where(Entry.list_id == list_id)))
    return rng.sample(ids, min(n, len(ids)))


def _consult_latencies(
    register: Register, list_id: str, users: Any, n: int, rng: random.Random
) -> tuple[float, float]:
    officer = users[Role.OFFICER]
    samples = []
    for entry_id in _entry_ids(register, list_id, n, rng):
        t0 = time.perf_counter()
        consult_entry(uow=register.uow, actor=officer, entry_id=entry_id, **WHY)
        samples.append((time.perf_counter() - t0) * 1000)
    return percentile(samples, 50), percentile(samples, 99)


def _bare_latencies(
    register: Register, list_id: str, n: int, rng: random.Random
) -> tuple[float, float]:
    samples = []
    for entry_id in _entry_ids(register, list_id, n, rng):
        t0 = time.perf_counter()
        with _reading(register) as connection:
            connection.execute(
                select(Entry, Subject)
                .join(Subject, Subject.id == Entry.subject_id)
                .where(Entry.id == entry_id)
            ).one()
        samples.append((time.perf_counter() - t0) * 1000)
    return percentile(samples, 50), percentile(samples, 99)


def _reading(register: Register) -> Connection:
    """A bare read's connection: a deferred transaction on SQLite, as the service's reads use,
    not the write lock (``BEGIN IMMEDIATE``) a connection otherwise begins with."""
    return register.engine.connect().execution_options(sqlite_begin="DEFERRED")
