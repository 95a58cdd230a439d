"""Verifying the whole log from what is stored, streaming, against every signed tree head.

Each leaf is re-derived from its event's stored columns (never from a stored blob) and the tree
is recomputed leaf by leaf with constant memory. Checked on the way: that leaves run from 0
without a gap, that each names an event that still exists and still hashes to the leaf stored
when it was sequenced, that the tree matches every sequencing record and every checkpoint (whose
signatures are checked first), every cosignature, and a checkpoint kept outside. Afterwards, no
committed event may be missing from the log. The report names the first leaf where the log
departs from what was signed: exactly, when a stored leaf or sequencing record disagrees; else
the first leaf after the last tree head that still matched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection

from listwarden.auditlog.checkpoint import NoteVerifier, verify_cosignature, verify_note
from listwarden.auditlog.heads import all_checkpoints, all_cosignatures
from listwarden.auditlog.leaf import leaf_hash_of
from listwarden.auditlog.merkle import EMPTY_ROOT, CompactRange
from listwarden.auditlog.rows import dialect, event_columns, fetch_all, stream
from listwarden.domain.errors import LogIntegrityError

MAX_DEPARTURES = 50
PROGRESS_EVERY = 65_536

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Departure:
    """One way the stored log departs from what was signed, and where."""

    reason: str
    leaf_index: int | None = None
    event_id: int | None = None
    checkpoint_id: int | None = None


@dataclass(frozen=True)
class Target:
    """A tree head the recomputed tree must reach: a checkpoint, the outside one, or a record."""

    size: int
    root: bytes
    label: str
    signed: bool
    checkpoint_id: int | None = None


@dataclass
class VerificationReport:
    tree_size: int = 0
    root: bytes = EMPTY_ROOT
    checkpoints: int = 0
    cosignatures: int = 0
    outside_size: int | None = None
    departures: list[Departure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.departures

    @property
    def first_departure(self) -> int | None:
        """The first leaf index where the log departs from what was signed, if known."""
        indexes = [d.leaf_index for d in self.departures if d.leaf_index is not None]
        return min(indexes) if indexes else None

    def depart(self, departure: Departure) -> None:
        if len(self.departures) < MAX_DEPARTURES:
            self.departures.append(departure)


def signed_targets(
    conn: Connection, log_key: NoteVerifier, report: VerificationReport
) -> list[Target]:
    """The stored checkpoints whose notes verify and match their rows; departures for the rest."""
    targets = []
    for stored in all_checkpoints(conn):
        where = f"checkpoint {stored.id} (size {stored.size})"
        try:
            checkpoint = verify_note(stored.note, [log_key], origin=log_key.name)
        except LogIntegrityError as exc:
            report.depart(
                Departure(
                    f"{where} is not signed by this log: {exc.detail}", checkpoint_id=stored.id
                )
            )
            continue
        if (checkpoint.size, checkpoint.root) != (stored.size, stored.root):
            report.depart(
                Departure(
                    f"{where}: its row disagrees with its signed note", checkpoint_id=stored.id
                )
            )
            continue
        report.checkpoints += 1
        targets.append(Target(stored.size, stored.root, where, True, stored.id))
    for cosignature in all_cosignatures(conn):
        where = f"cosignature {cosignature.id} by {cosignature.witness_name}"
        try:
            witness = Ed25519PublicKey.from_public_bytes(cosignature.witness_key)
            verify_cosignature(
                cosignature.checkpoint.note, cosignature.line, cosignature.witness_name, witness
            )
        except (LogIntegrityError, ValueError) as exc:
            reason = exc.detail if isinstance(exc, LogIntegrityError) else "bad witness key"
            report.depart(
                Departure(
                    f"{where} does not verify: {reason}", checkpoint_id=cosignature.checkpoint.id
                )
            )
            continue
        if cosignature.witness_key == log_key.public_key.public_bytes_raw():
            report.depart(
                Departure(
                    f"{where} is by the log's own key", checkpoint_id=cosignature.checkpoint.id
                )
            )
            continue
        report.cosignatures += 1
    return targets


def outside_target(note: str, log_key: NoteVerifier, report: VerificationReport) -> Target | None:
    """The checkpoint kept outside the system, once its signature by this log verifies."""
    try:
        checkpoint = verify_note(note, [log_key], origin=log_key.name)
    except LogIntegrityError as exc:
        report.depart(Departure(f"the outside checkpoint does not verify: {exc.detail}"))
        return None
    report.outside_size = checkpoint.size
    return Target(
        checkpoint.size, checkpoint.root, f"the outside checkpoint (size {checkpoint.size})", True
    )


def _frontier_records(conn: Connection) -> Iterator[Target]:
    """The roots the sequencer stored after each batch (unsigned: they localise a departure)."""
    sql = "SELECT tree_size, root FROM log_frontiers ORDER BY tree_size"
    for size, root in stream(conn, sql, {}):
        yield Target(size, bytes(root), f"the sequencing record at size {size}", False)


class _Walk:
    """The streaming recomputation: leaves in order, tree heads checked as their sizes pass."""

    def __init__(self, report: VerificationReport, targets: list[Target]) -> None:
        self.report = report
        self.targets = sorted(targets, key=lambda t: t.size)
        self.next = 0
        self.tree = CompactRange()
        # Where the log departs, as precisely as the evidence allows: exactly, from a stored
        # leaf; else after the last head that matched before a sequencing record disagreed;
        # else after the last *signed* head that matched (records that agree may be forged).
        self.exact: int | None = None
        self.located: int | None = None
        self.good_any = 0
        self.good_signed = 0

    def leaf_departs(self, reason: str, index: int, event_id: int | None) -> None:
        if self.exact is None:
            self.exact = index
        self.report.depart(Departure(reason, index, event_id))

    def reach(self, size: int, records: Iterator[Target], record: list[Target | None]) -> None:
        """Check every tree head of exactly ``size`` leaves against the recomputed tree."""
        root = None
        while record[0] is not None and record[0].size <= size:
            if record[0].size == size:
                root = root or self.tree.root()
                self._check(record[0], root, size)
            record[0] = next(records, None)
        while self.next < len(self.targets) and self.targets[self.next].size == size:
            root = root or self.tree.root()
            self._check(self.targets[self.next], root, size)
            self.next += 1

    def _check(self, target: Target, root: bytes, size: int) -> None:
        if target.root == root:
            if self.exact is None and self.located is None:
                self.good_any = size
                if target.signed:
                    self.good_signed = size
            return
        if self.exact is not None:
            where = self.exact
        elif self.located is not None:
            where = self.located
        elif target.signed:
            where = self.good_signed
        else:
            where = self.located = self.good_any
        what = "signed" if target.signed else "recorded"
        self.report.depart(
            Departure(
                f"the log departs from {target.label}: its root is not the one {what}; "
                f"the first leaf that can differ is {where}",
                where,
                checkpoint_id=target.checkpoint_id,
            )
        )

    def next_stop(self, record: list[Target | None]) -> int:
        """The next size at which some tree head must be checked (-1: none left)."""
        sizes = []
        if record[0] is not None:
            sizes.append(record[0].size)
        if self.next < len(self.targets):
            sizes.append(self.targets[self.next].size)
        return min(sizes) if sizes else -1

    def unreached(self, size: int) -> None:
        for target in self.targets[self.next :]:
            self.report.depart(
                Departure(
                    f"{target.label} covers {target.size} leaves but the log holds {size}",
                    min(size, self.exact if self.exact is not None else size),
                    checkpoint_id=target.checkpoint_id,
                )
            )


def walk_leaves(
    conn: Connection,
    report: VerificationReport,
    targets: list[Target],
    progress: Progress | None = None,
) -> None:
    """Recompute the tree from the events and compare it with every tree head on the way."""
    total = fetch_all(conn, "SELECT count(*) FROM log_leaves", {})[0][0]
    walk = _Walk(report, targets)
    records = _frontier_records(conn)
    record: list[Target | None] = [next(records, None)]
    walk.reach(0, records, record)
    # The event's columns come first, so a row is itself the ``leaf.EventRow`` to hash.
    sql = (
        f"SELECT {event_columns(conn)}, l.leaf_index, l.event_id, l.leaf_hash "
        "FROM log_leaves l LEFT JOIN events e ON e.id = l.event_id ORDER BY l.leaf_index"
    )
    push = walk.tree.push
    expected = 0
    stop = walk.next_stop(record)
    for row in stream(conn, sql, {}):
        index, stored = row[16], row[18]
        if index != expected:
            walk.leaf_departs(f"leaf {expected} is missing from the log", expected, None)
            break
        if row[1] is None:
            walk.leaf_departs(f"event {row[17]} at leaf {index} has been deleted", index, row[17])
            leaf = stored
        else:
            try:
                leaf = leaf_hash_of(row)
            except LogIntegrityError as exc:
                walk.leaf_departs(f"event {row[17]} at leaf {index}: {exc.detail}", index, row[17])
                leaf = stored
            if leaf != stored:
                walk.leaf_departs(
                    f"event {row[17]} at leaf {index} differs from what was logged", index, row[17]
                )
        push(leaf)
        expected += 1
        if expected == stop:
            walk.reach(expected, records, record)
            stop = walk.next_stop(record)
        if progress is not None and not expected % PROGRESS_EVERY:
            progress(expected, total)
    report.tree_size = expected
    report.root = walk.tree.root()
    walk.unreached(expected)
    if progress is not None:
        progress(expected, total)


def find_unlogged(conn: Connection, report: VerificationReport) -> None:
    """Refuse committed events that are neither in the log nor waiting to be sequenced."""
    size = report.tree_size
    if dialect(conn) == "sqlite":
        watermark = fetch_all(conn, "SELECT max(last_event_id) FROM log_frontiers", {})[0][0] or 0
        held = fetch_all(conn, "SELECT count(*) FROM events WHERE id <= :w", {"w": watermark})
        pending_clause = "e.id <= :w"
        params = {"w": watermark}
    else:
        held = fetch_all(
            conn,
            "SELECT count(*) FROM events e WHERE NOT EXISTS "
            "(SELECT 1 FROM log_queue q WHERE q.event_id = e.id)",
            {},
        )
        pending_clause = "NOT EXISTS (SELECT 1 FROM log_queue q WHERE q.event_id = e.id)"
        params = {}
    if held[0][0] == size:
        return
    sql = (
        f"SELECT e.id FROM events e WHERE {pending_clause} AND NOT EXISTS "
        "(SELECT 1 FROM log_leaves l WHERE l.event_id = e.id) ORDER BY e.id LIMIT 5"
    )
    stray = [row[0] for row in fetch_all(conn, sql, params)]
    for event_id in stray:
        report.depart(
            Departure(
                f"event {event_id} is in the events table but not in the log", event_id=event_id
            )
        )
    if not stray:
        report.depart(Departure(f"the log holds {size} leaves for {held[0][0]} committed events"))
