"""Sealed justifications open only for their own event; witness keys stay the witness's."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listwarden.auditlog.checkpoint import verify_note
from listwarden.auditlog.periods import PeriodLength, period_of
from listwarden.auditlog.sealing import EventRef, JustificationSealer
from listwarden.auditlog.signer import (
    LogSigner,
    create_witness_key_file,
    default_origin,
    read_witness_key_file,
)
from listwarden.domain.errors import CiphertextTampered, Conflict, InvalidInput, KeyUnavailable

AT = datetime(2026, 11, 22, 4, 2, 44, 372632, tzinfo=UTC)
REF = EventRef(AT, "entry:consult", "actor-1", "list-1", "entry-1", "subject-1")


class FakeKeys:
    """System keys in a dict, as the key store keeps them (created on first use)."""

    def __init__(self) -> None:
        self.keys: dict[str, bytes] = {}

    def system_key(self, name: str) -> bytes:
        return self.keys.setdefault(name, os.urandom(32))

    def destroy_system_key(self, name: str) -> bool:
        return self.keys.pop(name, None) is not None


def sealer(keys: FakeKeys, retention_days: int = 30) -> JustificationSealer:
    return JustificationSealer(keys, PeriodLength.MONTH, timedelta(days=retention_days))


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=200))
def test_a_justification_round_trips(text: str) -> None:
    keys = FakeKeys()
    sealed, period = sealer(keys).seal(text, REF)
    assert period == "2026-11"
    assert set(keys.keys) == {"log-period:2026-11"}
    assert sealer(keys).opener(AT).open(sealed, period, REF) == text


@pytest.mark.parametrize(
    "moved",
    [
        EventRef(AT, "entry:consult", "actor-1", "list-1", "entry-2", "subject-1"),
        EventRef(AT, "entry:consult", "actor-2", "list-1", "entry-1", "subject-1"),
        EventRef(
            AT + timedelta(microseconds=1),
            "entry:consult",
            "actor-1",
            "list-1",
            "entry-1",
            "subject-1",
        ),
        EventRef(AT, "entry:combine", "actor-1", "list-1", "entry-1", "subject-1"),
    ],
)
def test_a_sealed_justification_moved_to_another_event_does_not_open(moved: EventRef) -> None:
    keys = FakeKeys()
    sealed, period = sealer(keys).seal("briefing for a named person", REF)
    with pytest.raises(CiphertextTampered, match="moved between events"):
        sealer(keys).opener(AT).open(sealed, period, moved)


_PARTS = st.sampled_from(["actor-1", "actor-2", "ünïcode-1"])  # None stands for ""
_REFS = st.builds(
    EventRef,
    st.sampled_from([AT, AT + timedelta(microseconds=1), AT + timedelta(days=9)]),
    st.sampled_from(["entry:consult", "entry:combine"]),
    st.one_of(st.none(), _PARTS),
    st.one_of(st.none(), _PARTS),
    st.one_of(st.none(), _PARTS),
    st.one_of(st.none(), _PARTS),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(_REFS, min_size=1, max_size=12))
def test_one_sealer_binds_each_of_many_events_to_its_own_parts(refs: list[EventRef]) -> None:
    """The sealer keeps a request's shared parts between calls; each event is still bound."""
    keys = FakeKeys()
    one = sealer(keys)
    sealed = [one.seal(f"reason {n}", ref) for n, ref in enumerate(refs)]
    opener = sealer(keys).opener(AT)
    for n, ((blob, period), ref) in enumerate(zip(sealed, refs, strict=True)):
        assert period == ("2026-12" if ref.at.day == 1 else "2026-11")
        assert opener.open(blob, period, ref) == f"reason {n}"
        for other in refs:
            if other != ref:
                with pytest.raises(CiphertextTampered):
                    opener.open(blob, period_of(other.at, PeriodLength.MONTH), other)


def test_the_plaintext_is_nowhere_in_the_ciphertext() -> None:
    sealed, _ = sealer(FakeKeys()).seal("Zebedee Quarterfield", REF)
    assert b"Zebedee" not in sealed


def test_an_expired_period_is_not_opened_even_while_its_key_exists() -> None:
    keys = FakeKeys()
    sealed, period = sealer(keys).seal("old reason", REF)
    later = datetime(2027, 1, 1, tzinfo=UTC)
    # November's period ends on 1 December; with 32 days' retention it expires on 2 January.
    assert sealer(keys, retention_days=32).opener(later).open(sealed, period, REF) == "old reason"
    assert sealer(keys, retention_days=31).opener(later).open(sealed, period, REF) is None
    assert sealer(keys).destroy(["2026-11", "2026-10"]) == ["2026-11"]
    assert keys.keys == {}


def test_without_a_key_store_nothing_is_sealed() -> None:
    with pytest.raises(KeyUnavailable, match="no key store"):
        JustificationSealer(None, PeriodLength.MONTH, timedelta(days=1)).seal("x", REF)


def test_the_log_signs_checkpoints_under_its_origin() -> None:
    signer = LogSigner(b"\x07" * 32)
    assert signer.origin == default_origin(signer.public_key)
    assert signer.origin.startswith("listwarden.local/")
    assert signer.origin.endswith("/log")
    note = signer.sign(5, b"\x01" * 32)
    checkpoint = verify_note(note, [signer.verifier], origin=signer.origin)
    assert (checkpoint.size, checkpoint.root) == (5, b"\x01" * 32)
    assert LogSigner(b"\x07" * 32, "example.org/log").origin == "example.org/log"
    with pytest.raises(InvalidInput, match="32 bytes"):
        LogSigner(b"short")


def test_a_witness_key_file_is_private_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "dpo.key"
    made = create_witness_key_file(path, "dpo.example")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    read = read_witness_key_file(path)
    assert (read.name, read.public_bytes) == ("dpo.example", made.public_bytes)
    assert read.vkey().startswith("dpo.example+")
    with pytest.raises(Conflict, match="never overwritten"):
        create_witness_key_file(path, "dpo.example")


def test_bad_witness_key_files_are_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.key"
    garbage.write_text("not a key\n")
    with pytest.raises(InvalidInput, match="PRIVATE\\+KEY"):
        read_witness_key_file(garbage)
    with pytest.raises(KeyUnavailable, match="cannot read the key file"):
        read_witness_key_file(tmp_path / "absent.key")
    with pytest.raises(InvalidInput, match="not a valid key name"):
        create_witness_key_file(tmp_path / "bad.key", "has space")
    assert not (tmp_path / "bad.key").exists()
