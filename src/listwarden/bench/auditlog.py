"""Access-log benchmark: appends, verification and proofs from the database, each beside a peer.

- Appends in batches of 1,000 events a transaction, through the event builder (justifications
  sealed), with the tree maintained by the commit path's sequencer, beside the same inserts into
  a second database with no tree. Batches alternate between the two so neither gets a warmer
  machine. Then one event a transaction, the same way.
- Verification of a log of a million events read from the database, beside reading the same
  rows without deriving or hashing anything.
- Inclusion and consistency proofs at a million events from the stored tree, beside the same
  proofs from an in-memory dict of nodes; then the whole use case (access check, leaf re-derived
  from its event, proof checked against the signed checkpoint).
- The Merkle tree beside pymerkle appending the same leaves in memory (``bench_tree``).

It runs on SQLite, the embedded default, in a temporary data directory.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from listwarden.auditlog.bench_tree import bench_tree
from listwarden.auditlog.proofs import consistency, inclusion
from listwarden.auditlog.rows import event_columns, reading, stream
from listwarden.bench.timing import progress
from listwarden.bootstrap import Register, open_register
from listwarden.domain.access import Actor
from listwarden.domain.vocabulary import Operation, Role
from listwarden.services.audit_config import EventLog, LogConfig, attach_event_log
from listwarden.services.audit_proofs import prove_inclusion
from listwarden.services.audit_sequence import run_sequencer, sign_checkpoint
from listwarden.services.audit_verify import verify_log
from listwarden.services.events import add_events, build_event
from listwarden.services.grants import record_training
from listwarden.services.users import create_user
from listwarden.settings import Settings
from listwarden.setup import initialise
from listwarden.store.tables import LogLeaf

BATCH = 1_000
SUBJECTS = 3_800  # the size of the Matrix
USERS = 200
REQUEST = 20  # people shown by one search page: one actor and list for 20 events
TARGETS = {
    "batched_events_per_s": 100_000,
    "tree_overhead_pct": 25,
    "verify_events_per_s": 300_000,
    "proof_ms": 1.0,
}


def _open(home: Path) -> Register:
    settings = Settings(home=home)
    initialise(settings)
    return open_register(settings)


class _Events:
    """Consultation events shaped like the register's: a page of people per request."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        self.rng = rng
        self.users = [f"{rng.getrandbits(128):032x}" for _ in range(USERS)]
        self.lists = [f"{rng.getrandbits(128):032x}" for _ in range(3)]
        self.people = [
            (f"{rng.getrandbits(128):032x}", f"{rng.getrandbits(128):032x}")
            for _ in range(SUBJECTS)
        ]

    def rows(self, log: EventLog, count: int, at: datetime) -> list[dict[str, Any]]:
        rng, out = self.rng, []
        actor = list_id = ""
        for i in range(count):
            if i % REQUEST == 0:
                actor, list_id = rng.choice(self.users), rng.choice(self.lists)
            entry, subject = rng.choice(self.people)
            out.append(
                build_event(
                    at=at,
                    operation=Operation.CONSULT,
                    actor_id=actor,
                    list_id=list_id,
                    entry_id=entry,
                    subject_id=subject,
                    purpose="gang_violence_reduction",
                    result_count=REQUEST,
                    justification="pre-operation briefing, CE patrol",
                    log=log,
                )
            )
        return out


def _rate(count: int, seconds: float) -> int:
    return round(count / seconds) if seconds else 0


def _bench_batches(tmp: Path, events: int, show: bool) -> dict[str, Any]:
    tree, bare = _open(tmp / "tree"), _open(tmp / "bare")
    try:
        config = replace(LogConfig.defaults(), sequence_every=BATCH, checkpoint_every=10**12)
        tree_log = attach_event_log(tree.uow, keys=tree.keystore, config=config)
        bare_log = EventLog(config, bare.keystore)  # seals alike; no sequencer is told of it
        gen = _Events(7)
        timings = {"tree": 0.0, "bare": 0.0}
        with progress(show) as bar:
            task = bar.add_task("auditlog: batched appends", total=2 * events)
            for _ in range(0, events, BATCH):
                for name, register, log in (("tree", tree, tree_log), ("bare", bare, bare_log)):
                    start = time.perf_counter()
                    rows = gen.rows(log, BATCH, register.uow.now())
                    with register.uow.transaction() as session:
                        add_events(session, rows)
                    timings[name] += time.perf_counter() - start
                    bar.advance(task, BATCH)
        run_sequencer(tree.engine, tree_log, now=tree.uow.now())
        single = _bench_single(tree, bare, tree_log, bare_log, max(200, events // 100))
    finally:
        tree.close()
        bare.close()
    tree_rate, bare_rate = _rate(events, timings["tree"]), _rate(events, timings["bare"])
    overhead = round(100 * (timings["tree"] / timings["bare"] - 1), 1)
    return {
        "batched": {
            "events": events,
            "batch": BATCH,
            "with_tree_events_per_s": tree_rate,
            "baseline_without_tree_events_per_s": bare_rate,
            "tree_overhead_pct": overhead,
            "meets_target": tree_rate >= TARGETS["batched_events_per_s"]
            and overhead <= TARGETS["tree_overhead_pct"],
        },
        "one_per_transaction": single,
    }


def _bench_single(
    tree: Register, bare: Register, tree_log: EventLog, bare_log: EventLog, events: int
) -> dict[str, Any]:
    """One event a transaction; the tree's commit path sequences every 256 of them."""
    tree_log.config = replace(tree_log.config, sequence_every=256)
    timings = {"tree": 0.0, "bare": 0.0}
    for _ in range(events):
        for name, register, log in (("tree", tree, tree_log), ("bare", bare, bare_log)):
            uow = register.uow
            start = time.perf_counter()
            row = build_event(
                at=uow.now(),
                operation=Operation.CONSULT,
                actor_id="bench-officer",
                subject_id="bench-subject",
                purpose="gang_violence_reduction",
                justification="pre-operation briefing, CE patrol",
                log=log,
            )
            with uow.transaction() as session:
                add_events(session, [row])
            timings[name] += time.perf_counter() - start
    return {
        "events": events,
        "with_tree_events_per_s": _rate(events, timings["tree"]),
        "baseline_without_tree_events_per_s": _rate(events, timings["bare"]),
        "note": "bounded by the commit; the commit path grows the tree every 256 events",
    }


def _fill(register: Register, events: int, show: bool) -> float:
    """Write ``events`` events straight through the driver, then sequence them; seconds taken."""
    raw = register.engine.raw_connection()
    rng = random.Random(11)
    people = [f"{rng.getrandbits(128):032x}" for _ in range(SUBJECTS)]
    users = [f"{rng.getrandbits(128):032x}" for _ in range(USERS)]
    sealed = [os.urandom(64) for _ in range(16)]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    columns = (
        "event_version, occurred_at, operation, outcome, actor_id, list_id, entry_id, "
        "subject_id, purpose, purpose_class, justification_ct, log_period, result_count"
    )
    sql = f"INSERT INTO events ({columns}) VALUES ({', '.join('?' * 13)})"
    with progress(show) as bar:
        task = bar.add_task("auditlog: writing a log to verify", total=events)
        for first in range(0, events, 50_000):
            rows = [
                (
                    1,
                    (start + timedelta(microseconds=7 * i)).strftime("%Y-%m-%d %H:%M:%S.%f"),
                    "entry:consult",
                    "done",
                    users[i % USERS],
                    "list-1",
                    people[(i * 7) % SUBJECTS],
                    people[(i * 13) % SUBJECTS],
                    "gang_violence_reduction",
                    "enforcement",
                    sealed[i % 16],
                    "2026-11",
                    20,
                )
                for i in range(first, min(events, first + 50_000))
            ]
            cursor = raw.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            cursor.executemany(sql, rows)
            cursor.execute("COMMIT")
            bar.advance(task, len(rows))
    raw.close()
    log = attach_event_log(register.uow, keys=register.keystore, config=LogConfig.defaults())
    began = time.perf_counter()
    run_sequencer(register.engine, log, now=register.uow.now(), batch=10_000)
    return time.perf_counter() - began


def _read_baseline(register: Register) -> float:
    """Seconds to read every leaf's event as verification does, deriving and hashing nothing."""
    with reading(register.engine) as conn:
        sql = (
            f"SELECT l.leaf_index, l.event_id, l.leaf_hash, {event_columns(conn)} "
            "FROM log_leaves l LEFT JOIN events e ON e.id = l.event_id ORDER BY l.leaf_index"
        )
        start = time.perf_counter()
        for _ in stream(conn, sql, {}):
            pass
        return time.perf_counter() - start


def _median_us(action: Callable[[int], object], arguments: list[int]) -> float:
    samples = []
    for argument in arguments:
        start = time.perf_counter_ns()
        action(argument)
        samples.append(time.perf_counter_ns() - start)
    return round(statistics.median(samples) / 1000, 1)


def _bench_log(tmp: Path, events: int, show: bool) -> dict[str, Any]:
    register = _open(tmp / "verify")
    try:
        sequencing_s = _fill(register, events, show)
        checkpoint = sign_checkpoint(uow=register.uow)
        began = time.perf_counter()
        result = verify_log(uow=register.uow)
        verify_s = time.perf_counter() - began
        read_s = _read_baseline(register)
        proofs = _bench_proofs(register, checkpoint.size)
    finally:
        register.close()
    rate = _rate(events, verify_s)
    return {
        "verification": {
            "events": events,
            "verified": result.ok,
            "events_per_s": rate,
            "baseline_read_only_events_per_s": _rate(events, read_s),
            "meets_target": rate >= TARGETS["verify_events_per_s"],
            "sequencing_events_per_s": _rate(events, sequencing_s),
        },
        "proofs": proofs,
    }


def _bench_proofs(register: Register, size: int) -> dict[str, Any]:
    rng = random.Random(5)
    indexes = [rng.randrange(size) for _ in range(300)]
    firsts = [rng.randrange(1, size) for _ in range(300)]
    with reading(register.engine) as conn:
        stored = {
            "inclusion_us": _median_us(lambda i: inclusion(conn, i, size), indexes),
            "consistency_us": _median_us(lambda s: consistency(conn, s, size), firsts),
        }
        with register.uow.read_only() as session:
            events = list(
                session.scalars(
                    select(LogLeaf.event_id).where(LogLeaf.leaf_index.in_(indexes[:50]))
                )
            )
    auditor = _trained_auditor(register)
    service = _median_us(
        lambda e: prove_inclusion(uow=register.uow, actor=auditor, event_id=e), events
    )
    return {
        "tree_size": size,
        "from_database_inclusion_us": stored["inclusion_us"],
        "from_database_consistency_us": stored["consistency_us"],
        "use_case_inclusion_us": service,
        "meets_target": max(stored.values()) / 1000 < TARGETS["proof_ms"],
    }


def bench_auditlog(*, scale: float = 1.0, show_progress: bool = True) -> dict[str, Any]:
    """Every access-log figure beside its baseline; ``scale`` shrinks every size for a quick run."""
    appends = max(2 * BATCH, int(200_000 * scale) // BATCH * BATCH)
    log_size = max(10_000, int(1_000_000 * scale))
    with tempfile.TemporaryDirectory(prefix="lw-bench-log-") as name:
        tmp = Path(name)
        figures = _bench_batches(tmp, appends, show_progress)
        figures.update(_bench_log(tmp, log_size, show_progress))
    figures["tree_vs_pymerkle"] = bench_tree(
        max(1_000, int(200_000 * scale)), proof_tree_size=max(10_000, int(1_000_000 * scale))
    )
    figures["targets"] = {
        "batched_appends": ">= 100000 events/s, the tree <= 25% over the baseline",
        "verification": ">= 300000 events/s",
        "proofs": "< 1 ms at 1,000,000 events",
        "tree_vs_pymerkle": ">= 2x pymerkle's appends",
    }
    return figures


def _trained_auditor(register: Register) -> Actor:
    """A real auditor account with current mandatory training: proofs are decided by policy."""
    uow = register.uow
    auditor = create_user(uow=uow, actor_id=None, name="Bench Auditor", role=Role.AUDITOR)
    record_training(
        uow=uow,
        actor=None,
        user_id=auditor.id,
        course=uow.access.mandatory_course,
        completed_on=uow.today(),
        expires_on=uow.today() + timedelta(days=365),
    )
    return auditor
