"""Reports benchmark: the compliance report and the equality report over N entries on SQLite,
each beside one SQL count over the same entries table in the same run.

Entries are written with bare inserts (as the core benchmark's baseline does), each person with
a monitoring record sealed under the equality key as the collection service seals it, and the
list's sealed equality tally stored as collection keeps it, so the equality report reads the
tally and checks its total against a count of the entries, as it does in service. Entries
are not yet due for review or removal, so the compliance report's queries run over the whole
table without finding thousands of rows to list; the log is verified in full, as the report does.
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from listwarden.bench.core import BATCH, _bare_rows, _items, _setup
from listwarden.bench.reports_pure import _CODE_WEIGHTS, _ETHNICITY_WEIGHTS, bench_equality
from listwarden.bench.timing import progress
from listwarden.bootstrap import Register
from listwarden.domain.bcu import BCU_OF_BOROUGH
from listwarden.domain.equality import CENSUS_GROUPS, PopulationBaseline
from listwarden.domain.vocabulary import Role
from listwarden.services.compliance import compliance_report
from listwarden.services.equality import equality_report
from listwarden.services.equality_tallies import Cell, ListTally, cell_of, store_tally
from listwarden.store.tables import Entry, MonitoringRecord, Subject

COMPLIANCE_TARGET_SECONDS = 10.0
EQUALITY_TARGET_SECONDS = 2.0
LOAD_BATCH = BATCH * 4


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def load_dataset(home: Path, *, entries: int, show_progress: bool = True) -> Register:
    """A register at ``home`` holding ``entries`` entries, each person with a sealed record."""
    rng = random.Random(12)
    codes, code_weights = list(_CODE_WEIGHTS), list(_CODE_WEIGHTS.values())
    ethnicities, ethnicity_weights = list(_ETHNICITY_WEIGHTS), list(_ETHNICITY_WEIGHTS.values())
    register, users, list_id = _setup(home)
    iao = users[Role.IAO]
    today = register.uow.today()
    seal = register.uow.cipher.seal_monitoring
    cells: Counter[Cell] = Counter()
    with progress(show_progress) as bar:
        task = bar.add_task("reports: loading entries", total=entries)
        for start in range(0, entries, LOAD_BATCH):
            items = _items(rng, min(LOAD_BATCH, entries - start), today)
            subjects, rows = _bare_rows(items, list_id, iao.id, today)
            records = []
            for subject, item, row in zip(subjects, items, rows, strict=True):
                record_id = str(uuid.uuid4())
                values = (
                    item.date_of_birth.strftime("%Y-%m"),
                    rng.choices(codes, code_weights)[0].value,
                    rng.choices(ethnicities, ethnicity_weights)[0].value,
                )
                records.append(
                    {
                        "id": record_id,
                        "subject_id": subject["id"],
                        "identity_code_ct": seal(record_id, "identity_code", values[1]),
                        "self_defined_ethnicity_ct": seal(
                            record_id, "self_defined_ethnicity", values[2]
                        ),
                        "birth_month_ct": seal(record_id, "birth_month", values[0]),
                    }
                )
                row.update(
                    next_review_on=today + timedelta(days=rng.randint(30, 180)),
                    score=rng.randint(1, 60),
                    band=rng.choice(("red", "amber", "green")),
                )
                cells[cell_of(row["category"], row["bcu"], row["band"], values, today)] += 1
            with register.engine.begin() as connection:
                connection.execute(insert(Subject), subjects)
                connection.execute(insert(MonitoringRecord), records)
                connection.execute(insert(Entry), rows)
            bar.advance(task, len(rows))
    # The entries went in bare, so their tally is stored as collection would have kept it.
    with register.uow.transaction() as session:
        store_tally(session, register.uow, ListTally(list_id, cells, folded_on=today))
    return register


def measure(register: Register, baseline: PopulationBaseline) -> dict[str, Any]:
    """Both reports over the register's entries, beside ``SELECT count(*)`` of them."""

    def count() -> int:
        with register.engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(Entry)) or 0)

    count()  # warm the page cache, as the reports below find it
    count_s = min(_timed(count) for _ in range(3))
    compliance_s = _timed(lambda: compliance_report(uow=register.uow, actor=None))
    equality_s = _timed(lambda: equality_report(uow=register.uow, actor=None, baseline=baseline))
    return {
        "entries": count(),
        "sql_count_seconds": round(count_s, 4),
        "compliance_report_seconds": round(compliance_s, 3),
        "compliance_over_sql_count": round(compliance_s / count_s, 1),
        "compliance_target_seconds": COMPLIANCE_TARGET_SECONDS,
        "equality_report_seconds": round(equality_s, 3),
        "equality_over_sql_count": round(equality_s / count_s, 1),
        "equality_target_seconds": EQUALITY_TARGET_SECONDS,
    }


def synthetic_baseline() -> PopulationBaseline:
    return PopulationBaseline(
        "synthetic", {b: dict.fromkeys(CENSUS_GROUPS, 20_000) for b in BCU_OF_BOROUGH}
    )


def bench_reports(*, entries: int = 1_000_000, show_progress: bool = True) -> dict[str, Any]:
    """Both reports over ``entries`` entries, beside ``SELECT count(*)`` over the same table."""
    with tempfile.TemporaryDirectory(prefix="lw-bench-reports-") as tmp:
        register = load_dataset(Path(tmp) / "service", entries=entries, show_progress=show_progress)
        try:
            return measure(register, synthetic_baseline())
        finally:
            register.close()


def bench_reports_suite(scale: float, show_progress: bool) -> dict[str, Any]:
    """The database figures, then the pure aggregation beside a bare ``Counter``."""
    return {
        "database": bench_reports(
            entries=max(10_000, int(1_000_000 * scale)), show_progress=show_progress
        ),
        "pure_equality": bench_equality(max(10_000, int(1_000_000 * scale))),
    }
