"""Retention benchmark: a sweep over N entries on SQLite, beside one SQL count of the removable.

About a tenth of the entries are removable (score zero, no gang-related attention for more than
six months); they are collected through the service so each person has a real data key to
destroy. The rest are written with bare inserts, as the core benchmark's baseline does, and are
not due. The baseline is the time one SQL query takes to count the removable entries, in the
same database in the same run; the sweep's figure is what selection, decisions, erasure with
certificates, and the access log add to that. Assessments per second come from the pure
scoring benchmark.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update

from listwarden.bench.assessment import bench_assessments
from listwarden.bench.core import BATCH, _bare_rows, _items, _setup
from listwarden.bench.timing import progress
from listwarden.domain.vocabulary import Role
from listwarden.services.entries import add_entries
from listwarden.services.retention import _anchor, sweep
from listwarden.store.tables import Entry, Subject

REMOVABLE_SHARE = 0.1


def bench_retention(
    *, entries: int = 1_000_000, assessments: int = 100_000, show_progress: bool = True
) -> dict[str, Any]:
    """Sweep ``entries`` entries, about 10% removable; count them with one query beside it."""
    rng = random.Random(11)
    removable = max(1, int(entries * REMOVABLE_SHARE))
    with tempfile.TemporaryDirectory(prefix="lw-bench-retention-") as tmp:
        register, users, list_id = _setup(Path(tmp) / "service")
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

            t0 = time.perf_counter()
            report = sweep(uow=register.uow, progress=advance)
            sweep_s = time.perf_counter() - t0
        register.close()
    return {
        "entries": entries,
        "removable": removable,
        "counted_by_one_query": counted,
        "count_query_seconds": round(count_s, 3),
        "sweep_removed": report.removed,
        "sweep_candidates": report.candidates,
        "sweep_seconds": round(sweep_s, 2),
        "sweep_removals_per_second": round(report.removed / sweep_s) if sweep_s else None,
        **{f"assessment_{k}": v for k, v in bench_assessments(assessments).items()},
    }
