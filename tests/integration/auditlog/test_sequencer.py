"""The sequencer: committed events get contiguous leaves once, and the tree grows incrementally."""

from __future__ import annotations

from sqlalchemy import func, select, text

from listwarden.auditlog.leaf import leaf_hash_of
from listwarden.auditlog.merkle import root_from_leaf_hashes
from listwarden.auditlog.rows import event_columns, reading
from listwarden.auditlog.sequencer import current_head
from listwarden.bootstrap import Register
from listwarden.services.audit_sequence import sequence_log, sign_checkpoint
from listwarden.store.tables import Event, LogCheckpoint, LogFrontier, LogLeaf, LogNode
from tests.factories import make_cast
from tests.integration.auditlog.conftest import attach, write_events


def leaves(register: Register) -> list[tuple[int, int, bytes]]:
    with register.uow.read_only() as session:
        return [
            (i, e, bytes(h))
            for i, e, h in session.execute(
                select(LogLeaf.leaf_index, LogLeaf.event_id, LogLeaf.leaf_hash).order_by(
                    LogLeaf.leaf_index
                )
            )
        ]


def event_ids(register: Register) -> list[int]:
    with register.uow.read_only() as session:
        return list(session.scalars(select(Event.id).order_by(Event.id)))


def test_events_get_contiguous_leaves_exactly_once(log_register: Register) -> None:
    make_cast(log_register)
    write_events(log_register, 25, per_transaction=4)
    first = sequence_log(uow=log_register.uow)
    assert first.sequenced == len(event_ids(log_register)) == first.tree_size
    again = sequence_log(uow=log_register.uow)
    assert again.sequenced == 0
    stored = leaves(log_register)
    assert [i for i, _, _ in stored] == list(range(len(stored)))
    assert sorted(e for _, e, _ in stored) == event_ids(log_register)


def test_leaves_are_derived_from_the_stored_columns_and_the_root_matches(
    log_register: Register,
) -> None:
    write_events(log_register, 13)
    sequence_log(uow=log_register.uow)
    with reading(log_register.engine) as conn:
        rows = conn.execute(text(f"SELECT {event_columns(conn)} FROM events e ORDER BY e.id")).all()
        head = current_head(conn)
    derived = [leaf_hash_of(tuple(row)) for row in rows]
    assert derived == [h for _, _, h in leaves(log_register)]
    assert head.size == 13
    assert head.root == root_from_leaf_hashes(derived)


def test_the_tree_is_kept_as_perfect_nodes_and_frontiers_in_batches(
    log_register: Register,
) -> None:
    write_events(log_register, 8)
    sequence_log(uow=log_register.uow)
    write_events(log_register, 5)
    sequence_log(uow=log_register.uow)
    with log_register.uow.read_only() as session:
        nodes = session.execute(select(LogNode.level, LogNode.node_index)).all()
        frontiers = session.scalars(select(LogFrontier.tree_size).order_by(LogFrontier.tree_size))
        sizes = list(frontiers)
    # 13 leaves complete 6 + 3 + 1 perfect nodes above the leaves (levels 1, 2, 3).
    assert sorted(nodes) == sorted(
        [(1, i) for i in range(6)] + [(2, i) for i in range(3)] + [(3, 0)]
    )
    assert sizes == [8, 13]


def test_a_pending_log_is_sequenced_in_batches(log_register: Register) -> None:
    write_events(log_register, 30, per_transaction=30)
    from listwarden.services.audit_config import engine_of, event_log
    from listwarden.services.audit_sequence import run_sequencer

    run = run_sequencer(
        engine_of(log_register.uow),
        event_log(log_register.uow),
        now=log_register.uow.now(),
        batch=7,
    )
    assert (run.sequenced, run.tree_size) == (30, 30)
    with log_register.uow.read_only() as session:
        assert session.scalar(select(func.count()).select_from(LogFrontier)) == 5


def test_the_commit_path_sequences_every_n_events_and_signs_every_m(register: Register) -> None:
    attach(register, sequence_every=5, checkpoint_every=10)
    write_events(register, 4)
    assert leaves(register) == []
    write_events(register, 1)
    assert len(leaves(register)) == 5
    write_events(register, 10)
    assert len(leaves(register)) == 15
    with register.uow.read_only() as session:
        signed = list(session.scalars(select(LogCheckpoint.tree_size)))
    assert signed == [10]


def test_a_checkpoint_on_demand_covers_the_whole_log_and_is_not_repeated(
    log_register: Register,
) -> None:
    write_events(log_register, 3)
    first = sign_checkpoint(uow=log_register.uow)
    assert first.size == 3
    assert sign_checkpoint(uow=log_register.uow).id == first.id
    write_events(log_register, 1)
    assert sign_checkpoint(uow=log_register.uow).size == 4


def test_verification_reports_progress_and_verifies_a_healthy_log(log_register: Register) -> None:
    from listwarden.services.audit_verify import verify_log

    write_events(log_register, 9)
    sign_checkpoint(uow=log_register.uow)
    seen: list[tuple[int, int]] = []
    result = verify_log(
        uow=log_register.uow, progress=lambda done, total: seen.append((done, total))
    )
    assert result.ok
    assert (result.tree_size, result.checkpoints_checked, result.first_departure) == (9, 1, None)
    assert seen[-1] == (9, 9)
    assert result.summary() == "the log of 9 events verifies"


def test_serve_signs_a_stale_checkpoint_only_when_the_log_grew(register: Register) -> None:
    from datetime import timedelta

    from listwarden.services.audit_sequence import maintain_log

    attach(register, checkpoint_minutes=60.0)
    write_events(register, 2)
    first = maintain_log(uow=register.uow)
    assert (first.sequenced, first.checkpoint is not None) == (2, True)
    write_events(register, 1)
    assert maintain_log(uow=register.uow).checkpoint is None  # grown, but not yet stale
    real_clock = register.uow.clock
    register.uow.clock = lambda: real_clock() + timedelta(minutes=61)
    later = maintain_log(uow=register.uow)
    assert later.checkpoint is not None
    assert later.checkpoint.size == 3
    register.uow.clock = lambda: real_clock() + timedelta(minutes=200)
    assert maintain_log(uow=register.uow).checkpoint is None  # stale, but nothing new


def test_searches_are_answered_from_indexes(log_register: Register) -> None:
    from listwarden.services.log_search import _page_query

    write_events(log_register, 3)
    engine = log_register.engine
    for column, index in (
        ("subject_id", "ix_events_subject_id"),
        ("user_id", "ix_events_actor_id"),
        ("list_id", "ix_events_list_id"),
        ("operation", "ix_events_operation"),
    ):
        filters = dict.fromkeys(("subject_id", "user_id", "operation", "list_id"))
        filters[column] = "entry:consult" if column == "operation" else "x"
        query = _page_query(**filters, since=None, until=None, after_id=0, limit=100)  # type: ignore[arg-type]
        sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                plan = " ".join(str(r) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
            else:
                conn.exec_driver_sql("SET enable_seqscan = off")
                plan = " ".join(str(r) for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
        assert index in plan, plan
