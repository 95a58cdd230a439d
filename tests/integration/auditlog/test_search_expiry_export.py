"""Searching the log from its indexes, expiring period keys, and the Commissioner's export."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from listwarden.auditlog.checkpoint import NoteVerifier, verify_note
from listwarden.auditlog.leaf import LEAF_FIELDS, reference_leaf_bytes
from listwarden.auditlog.merkle import (
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from listwarden.bootstrap import Register
from listwarden.domain.errors import AccessDenied, InvalidInput
from listwarden.services.audit import expire_log_keys
from listwarden.services.audit_export import export_log
from listwarden.services.audit_sequence import sign_checkpoint
from listwarden.services.audit_verify import verify_log
from listwarden.services.log_search import WITHHELD_EXPIRED, search_events
from tests.factories import make_cast
from tests.integration.auditlog.conftest import attach, write_events


def b64(value: str) -> bytes:
    return base64.b64decode(value)


def test_search_filters_pages_and_redacts(log_register: Register) -> None:
    cast = make_cast(log_register)
    write_events(log_register, 3, subject="subject-a", actor="actor-1")
    write_events(log_register, 4, subject="subject-b", actor="actor-2")
    uow = log_register.uow
    by_subject = search_events(uow=uow, actor=cast.auditor, subject_id="subject-b")
    assert [e.subject_id for e in by_subject] == ["subject-b"] * 4
    assert {e.justification for e in by_subject} == {"a reason given for the test"}
    by_user = search_events(uow=uow, actor=cast.dpo, user_id="actor-1", operation="entry:consult")
    assert [e.actor_id for e in by_user] == ["actor-1"] * 3
    page = search_events(uow=uow, actor=cast.auditor, operation="entry:consult", limit=5)
    rest = search_events(
        uow=uow, actor=cast.auditor, operation="entry:consult", after_id=page[-1].id, limit=5
    )
    assert [e.id for e in page + rest] == sorted(e.id for e in page + rest)
    assert len(page + rest) == 7
    future = uow.now() + timedelta(days=1)
    assert search_events(uow=uow, actor=cast.auditor, since=future) == []
    assert len(search_events(uow=uow, actor=cast.auditor, until=future, list_id="list-1")) == 7
    # Administrators see no personal data: the policy engine refuses them the log (law 7).
    with pytest.raises(AccessDenied) as admin:
        search_events(uow=uow, actor=cast.admin, subject_id="subject-a")
    assert admin.value.policy == "administrators-see-no-personal-data"
    with pytest.raises(AccessDenied):
        search_events(uow=uow, actor=cast.officer)
    with pytest.raises(InvalidInput) as refused:
        search_events(uow=uow, actor=cast.auditor, operation="entry:peek")
    assert refused.value.reasons[0].code == "unknown-operation"


def test_expired_period_keys_are_destroyed_and_the_log_still_verifies(
    register: Register,
) -> None:
    attach(register, retention=timedelta(days=30))
    cast = make_cast(register)
    real_clock = register.uow.clock
    register.uow.clock = lambda: datetime(2020, 1, 15, 9, 30, tzinfo=UTC)
    write_events(register, 3, subject="old")
    register.uow.clock = real_clock
    write_events(register, 2, subject="new")
    sign_checkpoint(uow=register.uow)

    planned = expire_log_keys(uow=register.uow, dry_run=True)
    assert (planned.destroyed, planned.dry_run) == (["2020-01"], True)
    done = expire_log_keys(uow=register.uow)
    assert done.destroyed == ["2020-01"]
    assert list(done.kept) == [register.uow.now().strftime("%Y-%m")]
    assert register.keystore.destroy_system_key("log-period:2020-01") is False
    old = search_events(uow=register.uow, actor=cast.auditor, subject_id="old")
    assert {(e.justification, e.justification_withheld) for e in old} == {(None, WITHHELD_EXPIRED)}
    new = search_events(uow=register.uow, actor=cast.auditor, subject_id="new")
    assert {e.justification for e in new} == {"a reason given for the test"}
    assert verify_log(uow=register.uow).ok
    assert expire_log_keys(uow=register.uow).destroyed == []


def test_the_export_checks_out_without_trusting_the_system(log_register: Register) -> None:
    cast = make_cast(log_register)
    write_events(log_register, 4, subject="subject-a")
    first = sign_checkpoint(uow=log_register.uow)
    write_events(log_register, 5, subject="subject-b")
    records = list(export_log(uow=log_register.uow, actor=cast.auditor))
    json.dumps(records)  # plain JSON throughout
    header = records[0]
    assert header["type"] == "header"
    verifier = NoteVerifier.from_vkey(header["vkey"])
    checkpoints = [r for r in records if r["type"] == "checkpoint"]
    assert [c["tree_size"] for c in checkpoints] == [first.size, header["tree_size"]]
    signed = [verify_note(c["note"], [verifier]) for c in checkpoints]
    (link,) = [r for r in records if r["type"] == "consistency"]
    verify_consistency(
        signed[0].size,
        signed[1].size,
        signed[0].root,
        signed[1].root,
        [b64(p) for p in link["proof"]],
    )
    events = [r for r in records if r["type"] == "event"]
    hashes = []
    for record in events:
        values = [record["event"][name] for name in LEAF_FIELDS]
        leaf = reference_leaf_bytes(values)
        assert leaf.decode() == record["leaf"]
        hashes.append(leaf_hash(leaf))
        assert hashes[-1] == b64(record["leaf_hash"])
        assert "justification" not in record["event"]
    assert [r["leaf_index"] for r in events] == list(range(header["tree_size"]))
    assert root_from_leaf_hashes(hashes) == signed[1].root == b64(header["root"])


def test_a_subject_export_carries_inclusion_proofs(log_register: Register) -> None:
    cast = make_cast(log_register)
    write_events(log_register, 3, subject="subject-a")
    write_events(log_register, 2, subject="subject-b")
    records = list(export_log(uow=log_register.uow, actor=cast.dpo, subject_id="subject-b"))
    root = verify_note(
        [r for r in records if r["type"] == "checkpoint"][-1]["note"],
        [NoteVerifier.from_vkey(records[0]["vkey"])],
    ).root
    events = [r for r in records if r["type"] == "event"]
    assert [r["event"]["subject_id"] for r in events] == ["subject-b", "subject-b"]
    for record in events:
        proof = record["inclusion_proof"]
        verify_inclusion(
            b64(record["leaf_hash"]),
            record["leaf_index"],
            proof["tree_size"],
            [b64(p) for p in proof["proof"]],
            root,
        )
    with pytest.raises(AccessDenied):
        next(export_log(uow=log_register.uow, actor=cast.officer))
