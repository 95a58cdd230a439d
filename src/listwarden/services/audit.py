"""Use cases of the log's signed tree heads: the latest checkpoint, cosigning, key expiry.

A checkpoint counts as held outside the system only when a witness has cosigned it with a key
the system does not hold (law 12). Before cosigning, the witness checks the log's signature and
that the log still extends the last checkpoint it cosigned, by a consistency proof between the
two, so a log that rewrote its past cannot win a second cosignature. The witness's earlier
cosignature is itself checked, so the record it is compared with is the one it signed.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from listwarden.auditlog.checkpoint import (
    Checkpoint,
    add_signature,
    cosign,
    parse_note,
    verify_cosignature,
    verify_note,
)
from listwarden.auditlog.heads import (
    StoredCheckpoint,
    StoredCosignature,
    insert_cosignature,
    last_cosignature_by,
    latest_checkpoint,
    latest_cosignatures,
)
from listwarden.auditlog.merkle import verify_consistency
from listwarden.auditlog.periods import expires_at, is_expired
from listwarden.auditlog.proofs import consistency
from listwarden.auditlog.rows import lock_log, reading
from listwarden.auditlog.signer import WitnessKey, witness_vkey
from listwarden.domain.access import Actor
from listwarden.domain.errors import LogIntegrityError, PolicyViolation, Reason
from listwarden.policy.engine import AccessAction
from listwarden.services.access import require_on_register
from listwarden.services.audit_config import engine_of, event_log
from listwarden.services.audit_sequence import sign_checkpoint
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.tables import Event


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


@dataclass(frozen=True)
class CheckpointView:
    """A signed checkpoint, with what an outside party needs to check it."""

    id: int
    tree_size: int
    root: str
    origin: str
    note: str
    vkey: str
    created_at: datetime


def _view(stored: StoredCheckpoint, uow: UnitOfWork) -> CheckpointView:
    signer = event_log(uow).signer()
    return CheckpointView(
        stored.id,
        stored.size,
        b64(stored.root),
        signer.origin,
        stored.note,
        signer.vkey(),
        stored.created_at,
    )


def latest_checkpoint_view(*, uow: UnitOfWork, actor: Actor | None = None) -> CheckpointView:
    """Sequence what is pending, sign the tree if it grew, and return the latest checkpoint.

    ``actor`` is None only for the command line, run by someone already holding the data.
    """
    if actor is not None:
        require_on_register(uow=uow, actor=actor, action=AccessAction.LOG_READ)
    return _view(sign_checkpoint(uow=uow), uow)


@dataclass(frozen=True)
class Cosigned:
    """A cosignature just given: the note carrying it, and what the witness checked."""

    checkpoint: CheckpointView
    line: str
    cosigned_note: str
    witness_vkey: str
    previous_size: int | None
    consistency_proof_length: int


def _refuse_system_key(witness: WitnessKey, log_key: bytes, key_file: Path, home: Path) -> None:
    held = witness.public_bytes == log_key
    inside = key_file.resolve().is_relative_to(home.resolve())
    if held or inside:
        where = "is the log's own key" if held else "is kept in the data directory"
        raise PolicyViolation(
            f"a cosignature counts only from a key the system does not hold; this key {where}",
            reasons=[
                Reason("witness-key-held-by-system", "use a key kept off this machine", "key")
            ],
        )


def _check_previous(previous: StoredCosignature, witness: WitnessKey) -> Checkpoint:
    """The checkpoint this witness cosigned last, once its own signature on it verifies."""
    verify_cosignature(previous.checkpoint.note, previous.line, witness.name, witness.public_key)
    return Checkpoint.from_body(parse_note(previous.checkpoint.note)[0])


def cosign_checkpoint(
    *, uow: UnitOfWork, witness: WitnessKey, key_file: Path, home: Path
) -> Cosigned:
    """As a witness, cosign the latest checkpoint once it verifies and extends the last one."""
    log = event_log(uow)
    signer = log.signer()
    _refuse_system_key(witness, signer.public_bytes, key_file, home)
    latest = sign_checkpoint(uow=uow)
    now = uow.now()
    with engine_of(uow).begin() as conn:
        lock_log(conn, wait=True)
        latest = latest_checkpoint(conn) or latest
        current = verify_note(latest.note, [signer.verifier], origin=signer.origin)
        previous = last_cosignature_by(conn, witness.public_bytes)
        proof: list[bytes] = []
        if previous is not None:
            before = _check_previous(previous, witness)
            if current.size < before.size:
                raise LogIntegrityError(
                    f"the log's latest checkpoint ({current.size} leaves) is smaller than the "
                    f"one this witness cosigned ({before.size}): refusing to cosign",
                    index=current.size,
                )
            if before.size:
                proof = consistency(conn, before.size, current.size)
                verify_consistency(before.size, current.size, before.root, current.root, proof)
        line = cosign(latest.note, witness.name, witness.private_key, int(now.timestamp()))
        insert_cosignature(
            conn,
            checkpoint=latest,
            witness_name=witness.name,
            witness_key=witness.public_bytes,
            line=line,
            cosigned_at=datetime.fromtimestamp(int(now.timestamp()), UTC),
            now=now,
        )
    return Cosigned(
        _view(latest, uow),
        line,
        add_signature(latest.note, line),
        witness.vkey(),
        None if previous is None else previous.checkpoint.size,
        len(proof),
    )


@dataclass(frozen=True)
class CosignedAge:
    """The most recent checkpoint cosigned by a key the system does not hold, and its age."""

    tree_size: int
    witness: str
    witness_vkey: str
    cosigned_at: datetime
    age_seconds: int


def last_cosigned(*, uow: UnitOfWork, now: datetime | None = None) -> CosignedAge | None:
    """How old the latest valid outside cosignature is (None: there has never been one)."""
    now = now or uow.now()
    log_key = event_log(uow).signer().public_bytes
    with reading(engine_of(uow)) as conn:
        candidates = latest_cosignatures(conn)
    for stored in candidates:
        if stored.witness_key == log_key:
            continue
        try:
            public = Ed25519PublicKey.from_public_bytes(stored.witness_key)
            verify_cosignature(stored.checkpoint.note, stored.line, stored.witness_name, public)
        except (LogIntegrityError, ValueError):
            continue
        return CosignedAge(
            stored.checkpoint.size,
            stored.witness_name,
            witness_vkey(stored.witness_name, public),
            stored.cosigned_at,
            max(0, int((now - stored.cosigned_at).total_seconds())),
        )
    return None


@dataclass(frozen=True)
class KeyExpiry:
    """Which period keys went (or would go) and which periods stay readable until when."""

    destroyed: list[str]
    kept: dict[str, datetime]
    dry_run: bool


def expire_log_keys(*, uow: UnitOfWork, dry_run: bool = False) -> KeyExpiry:
    """Destroy the keys of every log period past its retention; the leaves still verify."""
    log = event_log(uow)
    now = uow.now()
    retention = log.config.retention
    with uow.read_only() as session:
        periods = sorted(
            p for p in session.scalars(select(Event.log_period).distinct()) if p is not None
        )
    expired = [p for p in periods if is_expired(p, retention=retention, now=now)]
    kept = {p: expires_at(p, retention) for p in periods if p not in expired}
    destroyed = expired if dry_run else log.sealer.destroy(expired)
    return KeyExpiry(destroyed, kept, dry_run)
