"""Verifying the whole access log: the use case behind ``listwarden audit verify``."""

from __future__ import annotations

from dataclasses import dataclass

from listwarden.auditlog.rows import reading
from listwarden.auditlog.verifier import (
    Departure,
    Progress,
    VerificationReport,
    find_unlogged,
    outside_target,
    signed_targets,
    walk_leaves,
)
from listwarden.domain.access import Actor
from listwarden.domain.errors import LogIntegrityError
from listwarden.policy.engine import AccessAction
from listwarden.services.access import require_on_register
from listwarden.services.audit import b64
from listwarden.services.audit_config import engine_of, event_log
from listwarden.services.audit_sequence import sequence_log
from listwarden.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Verification:
    """The outcome of a verification; ``first_departure`` is the first leaf that departs."""

    ok: bool
    origin: str
    tree_size: int
    root: str
    checkpoints_checked: int
    cosignatures_checked: int
    outside_checkpoint_size: int | None
    first_departure: int | None
    departures: list[Departure]

    def summary(self) -> str:
        """One line for a person: what failed first, and where."""
        if self.ok:
            return f"the log of {self.tree_size} events verifies"
        first = self.departures[0]
        where = (
            f" (first departure at leaf {self.first_departure})"
            if self.first_departure is not None
            else ""
        )
        return f"the log does not verify{where}: {first.reason}"


def verify_log(
    *,
    uow: UnitOfWork,
    actor: Actor | None = None,
    outside_checkpoint: str | None = None,
    progress: Progress | None = None,
) -> Verification:
    """Re-derive every leaf, recompute the tree and check it against every signed tree head."""
    if actor is not None:
        require_on_register(uow=uow, actor=actor, action=AccessAction.LOG_READ)
    report = VerificationReport()
    try:
        sequence_log(uow=uow)
    except LogIntegrityError as exc:
        report.depart(
            Departure(f"the sequencer refuses to extend the log: {exc.detail}", exc.index)
        )
    verifier = event_log(uow).signer().verifier
    with reading(engine_of(uow)) as conn:
        targets = signed_targets(conn, verifier, report)
        if outside_checkpoint is not None:
            outside = outside_target(outside_checkpoint, verifier, report)
            if outside is not None:
                targets.append(outside)
        walk_leaves(conn, report, targets, progress)
        find_unlogged(conn, report)
    departures = sorted(
        report.departures,
        key=lambda d: (d.leaf_index is None, d.leaf_index or 0),
    )
    return Verification(
        report.ok,
        verifier.name,
        report.tree_size,
        b64(report.root),
        report.checkpoints,
        report.cosignatures,
        report.outside_size,
        report.first_departure,
        departures,
    )
