"""Inclusion and consistency proofs check out from outside; cosigning needs an outside key."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from listwarden.auditlog.checkpoint import NoteVerifier, verify_cosignature, verify_note
from listwarden.auditlog.leaf import reference_leaf_bytes
from listwarden.auditlog.merkle import leaf_hash, verify_consistency, verify_inclusion
from listwarden.auditlog.signer import (
    SIGNING_KEY_NAME,
    LogSigner,
    WitnessKey,
    create_witness_key_file,
)
from listwarden.bootstrap import Register
from listwarden.domain.errors import (
    AccessDenied,
    InvalidInput,
    LogIntegrityError,
    NotFound,
    PolicyViolation,
)
from listwarden.services.audit import cosign_checkpoint, last_cosigned, latest_checkpoint_view
from listwarden.services.audit_proofs import prove_consistency, prove_inclusion
from listwarden.services.audit_sequence import sequence_log, sign_checkpoint
from listwarden.store.tables import LogCosignature, LogLeaf
from tests.factories import make_cast
from tests.integration.auditlog.conftest import as_attacker, write_events


def b64(value: str) -> bytes:
    return base64.b64decode(value)


def test_an_inclusion_proof_checks_out_with_only_the_vkey(log_register: Register) -> None:
    cast = make_cast(log_register)
    write_events(log_register, 20)
    sequence_log(uow=log_register.uow)
    with log_register.uow.read_only() as session:
        event_id = session.scalar(select(LogLeaf.event_id).where(LogLeaf.leaf_index == 13))
    assert event_id is not None
    proof = prove_inclusion(uow=log_register.uow, actor=cast.auditor, event_id=event_id)
    vkey = latest_checkpoint_view(uow=log_register.uow).vkey
    checkpoint = verify_note(proof.checkpoint, [NoteVerifier.from_vkey(vkey)])
    assert (proof.leaf_index, proof.tree_size) == (13, checkpoint.size)
    leaf = reference_leaf_bytes(json.loads(proof.leaf))
    assert leaf == proof.leaf.encode()
    assert leaf_hash(leaf) == b64(proof.leaf_hash)
    assert json.loads(proof.leaf)[1] == event_id
    verify_inclusion(
        b64(proof.leaf_hash), 13, checkpoint.size, [b64(p) for p in proof.proof], checkpoint.root
    )


def test_proofs_are_refused_for_unknown_events_and_other_roles(log_register: Register) -> None:
    cast = make_cast(log_register)
    with pytest.raises(NotFound, match="no event 999999 in the log"):
        prove_inclusion(uow=log_register.uow, actor=cast.auditor, event_id=999999)
    with pytest.raises(AccessDenied):
        prove_inclusion(uow=log_register.uow, actor=cast.officer, event_id=1)
    with pytest.raises(InvalidInput, match="no consistency proof from size 0"):
        prove_consistency(uow=log_register.uow, actor=cast.dpo, first=0)


def test_a_consistency_proof_links_two_checkpoints(log_register: Register) -> None:
    cast = make_cast(log_register)
    first = sign_checkpoint(uow=log_register.uow)
    write_events(log_register, 9)
    second = sign_checkpoint(uow=log_register.uow)
    proof = prove_consistency(uow=log_register.uow, actor=cast.dpo, first=first.size)
    assert (proof.first, proof.second) == (first.size, second.size)
    assert (proof.first_checkpoint, proof.second_checkpoint) == (first.note, second.note)
    verify_consistency(
        first.size, second.size, first.root, second.root, [b64(p) for p in proof.proof]
    )
    unsigned = prove_consistency(uow=log_register.uow, actor=cast.dpo, first=3, second=7)
    assert unsigned.first_checkpoint is None
    verify_consistency(
        3, 7, b64(unsigned.first_root), b64(unsigned.second_root), [b64(p) for p in unsigned.proof]
    )


def witness(tmp_path: Path, name: str = "dpo.example") -> tuple[WitnessKey, Path]:
    path = tmp_path / f"{name}.key"
    return create_witness_key_file(path, name), path


def test_a_witness_cosigns_and_then_checks_the_log_still_extends_it(
    log_register: Register, tmp_path: Path
) -> None:
    home = log_register.settings.home
    key, path = witness(tmp_path)
    assert last_cosigned(uow=log_register.uow) is None
    write_events(log_register, 5)
    first = cosign_checkpoint(uow=log_register.uow, witness=key, key_file=path, home=home)
    assert (first.checkpoint.tree_size, first.previous_size) == (5, None)
    verify_cosignature(first.checkpoint.note, first.line, key.name, key.public_key)
    write_events(log_register, 6)
    second = cosign_checkpoint(uow=log_register.uow, witness=key, key_file=path, home=home)
    assert (second.checkpoint.tree_size, second.previous_size) == (11, 5)
    assert second.consistency_proof_length > 0
    assert second.cosigned_note.endswith(second.line)
    age = last_cosigned(uow=log_register.uow, now=log_register.uow.now() + timedelta(hours=1))
    assert age is not None
    assert (age.tree_size, age.witness) == (11, "dpo.example")
    assert 3600 <= age.age_seconds <= 3700


def test_keys_the_system_holds_cannot_cosign(log_register: Register, tmp_path: Path) -> None:
    home = log_register.settings.home
    seed = log_register.keystore.system_key(SIGNING_KEY_NAME)
    own = WitnessKey("own", Ed25519PrivateKey.from_private_bytes(seed))
    with pytest.raises(PolicyViolation, match="this key is the log's own key") as refused:
        cosign_checkpoint(uow=log_register.uow, witness=own, key_file=tmp_path / "x", home=home)
    assert refused.value.reasons[0].code == "witness-key-held-by-system"
    inside, path = witness(home, "kept.inside")
    with pytest.raises(PolicyViolation, match="kept in the data directory"):
        cosign_checkpoint(uow=log_register.uow, witness=inside, key_file=path, home=home)
    assert last_cosigned(uow=log_register.uow) is None


def test_a_witness_refuses_a_checkpoint_that_does_not_extend_its_last(
    log_register: Register, tmp_path: Path
) -> None:
    home = log_register.settings.home
    key, path = witness(tmp_path)
    write_events(log_register, 6)
    cosign_checkpoint(uow=log_register.uow, witness=key, key_file=path, home=home)
    # Someone holding the log's key signs a tree the log never had, bigger than the real one.
    signer = LogSigner(log_register.keystore.system_key(SIGNING_KEY_NAME))
    note = signer.sign(9, b"\x05" * 32).replace("'", "''")
    root = "X'" + "05" * 32 + "'"
    if log_register.engine.dialect.name != "sqlite":
        root = "'\\x" + "05" * 32 + "'"
    as_attacker(
        log_register,
        "INSERT INTO checkpoints (tree_size, root, note, created_at) "
        f"VALUES (9, {root}, '{note}', '2026-01-01 00:00:00.000000+00:00')",
    )
    write_events(log_register, 3)
    with pytest.raises(LogIntegrityError):
        cosign_checkpoint(uow=log_register.uow, witness=key, key_file=path, home=home)
    with log_register.uow.read_only() as session:
        assert session.scalar(select(func.count()).select_from(LogCosignature)) == 1
