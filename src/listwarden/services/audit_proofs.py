"""Use cases that prove things about the log: an event's inclusion, two sizes' consistency.

Every proof is checked against the signed checkpoint it is given with before it is returned, so
a damaged stored tree is reported here rather than handed to an auditor as a proof.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from listwarden.auditlog.heads import StoredCheckpoint, checkpoint_at, latest_checkpoint
from listwarden.auditlog.leaf import leaf_bytes, leaf_values
from listwarden.auditlog.merkle import HASH_SIZE, leaf_hash, verify_consistency, verify_inclusion
from listwarden.auditlog.proofs import consistency, event_at, inclusion, leaf_of_event, root_at
from listwarden.auditlog.rows import reading
from listwarden.auditlog.sequencer import current_head
from listwarden.domain.access import Actor
from listwarden.domain.errors import InvalidInput, LogIntegrityError, NotFound, Reason
from listwarden.policy.engine import AccessAction
from listwarden.services.access import require_on_register
from listwarden.services.audit import b64
from listwarden.services.audit_config import engine_of
from listwarden.services.audit_sequence import sequence_log, sign_checkpoint
from listwarden.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class InclusionProof:
    """That an event is leaf ``leaf_index`` of the tree the checkpoint signs."""

    event_id: int
    leaf_index: int
    tree_size: int
    leaf: str
    leaf_hash: str
    proof: list[str]
    root: str
    checkpoint: str


@dataclass(frozen=True)
class ConsistencyProof:
    """That the tree of ``first`` leaves is a prefix of the tree of ``second``."""

    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]
    first_checkpoint: str | None
    second_checkpoint: str | None


def _proof(
    conn: Connection, event_id: int, index: int, stored: bytes, checkpoint: StoredCheckpoint
) -> InclusionProof:
    named = event_at(conn, index)
    if named is None or named[1] is None:
        raise LogIntegrityError(f"event {event_id} at leaf {index} has been deleted", index=index)
    data = leaf_bytes(leaf_values(named[1]))
    if leaf_hash(data) != stored:
        raise LogIntegrityError(
            f"event {event_id} at leaf {index} differs from what was logged", index=index
        )
    path = inclusion(conn, index, checkpoint.size)
    verify_inclusion(stored, index, checkpoint.size, path, checkpoint.root)
    return InclusionProof(
        event_id,
        index,
        checkpoint.size,
        data.decode("utf-8"),
        b64(stored),
        [b64(p) for p in path],
        b64(checkpoint.root),
        checkpoint.note,
    )


def prove_inclusion(*, uow: UnitOfWork, actor: Actor | None, event_id: int) -> InclusionProof:
    """The inclusion proof of event ``event_id`` in the latest signed checkpoint.

    One read transaction when the event is already covered by a checkpoint; otherwise the
    log is sequenced, or a checkpoint signed, first.
    """
    if actor is not None:
        require_on_register(uow=uow, actor=actor, action=AccessAction.LOG_READ)
    sequenced = signed = False
    while True:
        with reading(engine_of(uow)) as conn:
            found = leaf_of_event(conn, event_id)
            latest = latest_checkpoint(conn)
            if found is not None and latest is not None and latest.size > found[0]:
                return _proof(conn, event_id, found[0], found[1], latest)
        if found is None and not sequenced:
            sequence_log(uow=uow)
            sequenced = True
        elif found is None:
            raise NotFound(
                f"no event {event_id} in the log",
                reasons=[Reason("event-not-found", str(event_id), "event_id")],
            )
        elif not signed:
            sign_checkpoint(uow=uow)
            signed = True
        else:
            raise LogIntegrityError(f"no checkpoint covers leaf {found[0]}", index=found[0])


def prove_consistency(
    *, uow: UnitOfWork, actor: Actor | None, first: int, second: int | None = None
) -> ConsistencyProof:
    """The consistency proof from size ``first`` to ``second`` (the latest checkpoint's size)."""
    if actor is not None:
        require_on_register(uow=uow, actor=actor, action=AccessAction.LOG_READ)
    sequence_log(uow=uow)
    if second is None:
        second = sign_checkpoint(uow=uow).size
    with reading(engine_of(uow)) as conn:
        size = current_head(conn).size
        if not 0 < first <= second <= size:
            raise InvalidInput(
                f"no consistency proof from size {first} to size {second} in a log of {size}",
                reasons=[Reason("invalid-sizes", f"need 0 < from <= to <= {size}", "from")],
            )
        checkpoints = [checkpoint_at(conn, s) for s in (first, second)]
        roots = [
            c.root if c else root_at(conn, s)
            for c, s in zip(checkpoints, (first, second), strict=True)
        ]
        path = consistency(conn, first, second)
    assert all(len(r) == HASH_SIZE for r in roots)
    verify_consistency(first, second, roots[0], roots[1], path)
    return ConsistencyProof(
        first,
        second,
        b64(roots[0]),
        b64(roots[1]),
        [b64(p) for p in path],
        checkpoints[0].note if checkpoints[0] else None,
        checkpoints[1].note if checkpoints[1] else None,
    )
