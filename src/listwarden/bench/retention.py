"""Retention benchmark: a sweep over N entries on SQLite, beside one SQL count of the removable.

About a tenth of the entries are removable (score zero, no gang-related attention for more than
six months); they are collected through the service so each person has a real data key to
destroy. The rest are written with bare inserts, as the core benchmark's baseline does, and are
not due. The baseline is the time one SQL query takes to count the removable entries, in the
same database in the same run; the sweep's figure is what selection, decisions, erasure with
certificates, and the access log add to that. Assessments per second come from the pure
scoring benchmark.

Loading a million entries takes longer than sweeping them, so with ``datasets`` the loaded
register (database, key store and key file) is kept there once and each later run sweeps a fresh
copy of it: the sweep destroys what it sweeps, so the kept one is never opened for writing.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update

from listwarden.bench.assessment import bench_assessments
from listwarden.bench.core import BATCH, _bare_rows, _items, _setup
from listwarden.bench.timing import progress
from listwarden.bootstrap import Register, open_register
from listwarden.domain.vocabulary import Role
from listwarden.services.entries import add_entries
from listwarden.services.retention import _anchor, sweep
from listwarden.settings import Settings
from listwarden.store.tables import Entry, RegisterList, Subject

REMOVABLE_SHARE = 0.1
DATASET_VERSION = 1  # bump when the loading below changes what a kept dataset holds
LIST_NAME = "Bench list"


def bench_retention(
    *,
    entries: int = 1_000_000,
    assessments: int = 100_000,
    show_progress: bool = True,
    datasets: Path | None = None,
) -> dict[str, Any]:
    """Sweep ``entries`` entries, about 10% removable; count them with one query beside it.

    With ``datasets``, the loaded register is kept in that directory and reused by later runs.
    """
    removable = max(1, int(entries * REMOVABLE_SHARE))
    with tempfile.TemporaryDirectory(prefix="lw-bench-retention-") as tmp:
        home = Path(tmp) / "service"
        kept = None if datasets is None else datasets / f"retention-{entries}-v{DATASET_VERSION}"
        reused = kept is not None and kept.is_dir()
        if kept is not None and reused:
            shutil.copytree(kept, home)
        else:
            _load(home, entries, removable, show_progress).close()
            if kept is not None:
                _keep(home, kept)
        register = open_register(Settings(home=home))
        with register.uow.read_only() as session:
            list_id = session.scalars(
                select(RegisterList.id).where(RegisterList.name == LIST_NAME)
            ).one()
        today = register.uow.today()
        t0 = time.perf_counter()
        with register.engine.connect() as connection:
            counted = connection.scalar(
                select(func.count())
                .select_from(Entry)
                .where(
                    Entry.list_id == list_id,
                    Entry.score < 1,
                    _anchor("days_since_gang_related_attention") <= today - timedelta(days=183),
                )
            )
        count_s = time.perf_counter() - t0

        with progress(show_progress) as bar:
            task = bar.add_task("retention: sweeping", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            t0, cpu0 = time.perf_counter(), time.process_time()
            report = sweep(uow=register.uow, progress=advance)
            sweep_s, sweep_cpu_s = time.perf_counter() - t0, time.process_time() - cpu0
        register.close()
    return {
        "entries": entries,
        "dataset_reused": reused,
        "removable": removable,
        "counted_by_one_query": counted,
        "count_query_seconds": round(count_s, 3),
        "sweep_removed": report.removed,
        "sweep_candidates": report.candidates,
        "sweep_seconds": round(sweep_s, 2),
        # This process's own CPU time: on a shared machine, what the sweep did apart from waiting.
        "sweep_cpu_seconds": round(sweep_cpu_s, 2),
        "sweep_removals_per_second": round(report.removed / sweep_s) if sweep_s else None,
        **{f"assessment_{k}": v for k, v in bench_assessments(assessments).items()},
    }


def _load(home: Path, entries: int, removable: int, show_progress: bool) -> Register:
    """A register with ``entries`` entries of which the first ``removable`` are due to go."""
    rng = random.Random(11)
    register, users, list_id = _setup(home)
    iao = users[Role.IAO]
    today = register.uow.today()
    with progress(show_progress) as bar:
        task = bar.add_task("retention: loading entries", total=entries)
        for start in range(0, removable, BATCH):
            items = _items(rng, min(BATCH, removable - start), today)
            ids = add_entries(
                uow=register.uow,
                actor=iao,
                list_id=list_id,
                purpose="gang_violence_reduction",
                items=items,
            )
            with register.engine.begin() as connection:
                connection.execute(
                    update(Entry)
                    .where(Entry.id.in_(ids))
                    .values(score=0, added_on=today - timedelta(days=400))
                )
            bar.advance(task, len(ids))
        for start in range(removable, entries, BATCH):
            items = _items(rng, min(BATCH, entries - start), today)
            subjects, rows = _bare_rows(items, list_id, iao.id, today)
            for row in rows:
                row.update(score=5, next_review_on=today + timedelta(days=100))
            with register.engine.begin() as connection:
                connection.execute(insert(Subject), subjects)
                connection.execute(insert(Entry), rows)
            bar.advance(task, len(rows))
    return register


def _keep(home: Path, kept: Path) -> None:
    """Copy a closed register to ``kept``, whole or not at all (a rename makes it appear)."""
    partial = kept.with_name(kept.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(home, partial)
    partial.rename(kept)
