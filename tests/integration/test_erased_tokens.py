"""Law 11 for erased people: keyed tokens kept at erasure, found by a scan, gone at 90 days."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from listwarden.bootstrap import Register
from listwarden.domain.erasure import ERASED_TOKEN_STATEMENT
from listwarden.domain.errors import AccessDenied
from listwarden.domain.vocabulary import Operation
from listwarden.policy.dpia import dpia_template
from listwarden.services.entries import NewEntry, add_entry
from listwarden.services.erased_tokens import TOKEN_KEY, scanner_tokens
from listwarden.services.erasure import EntryRemoval, erase_entries, erase_subject
from listwarden.services.loss_detection import scan_paths
from listwarden.services.retention import sweep
from listwarden.store.dlp_tables import ErasedPersonToken
from listwarden.store.tables import Entry, Event
from tests.factories import Cast, authorised_list
from tests.integration.test_loss_detection import PEOPLE, _populate

ERASED = PEOPLE[1]  # Tyrell Abernathy, 1999-11-02


def _subject(register: Register, entry_id: str) -> str:
    with register.uow.read_only() as session:
        subject_id = session.scalar(select(Entry.subject_id).where(Entry.id == entry_id))
    assert subject_id is not None
    return subject_id


def _tokens(register: Register) -> list[ErasedPersonToken]:
    with register.uow.read_only() as session:
        return list(session.scalars(select(ErasedPersonToken)))


def _erase_one(register: Register) -> tuple[Cast, str, dict[str, object]]:
    cast, ids = _populate(register)
    subject_id = _subject(register, ids[ERASED[1]])
    done = erase_subject(
        uow=register.uow,
        actor_id=cast.iru.id,
        subject_id=subject_id,
        rule_or_request="request:ERA-1",
        reason="erasure granted",
    )
    return cast, subject_id, dict(done.document)


def _copy_of_the_erased(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    given, family, born = ERASED
    kept = folder / "removed but kept.txt"
    kept.write_text(f"Old matrix notes\n{family.upper()}, {given}  DOB {born:%d.%m.%Y}  red\n")
    return kept


def test_an_erasure_keeps_only_keyed_tokens_and_its_certificate_says_so(
    register: Register,
) -> None:
    _cast, subject_id, document = _erase_one(register)

    tokens = _tokens(register)
    assert len(tokens) == 1
    token = tokens[0]
    assert token.created_on == register.uow.today()
    assert re.fullmatch(r"[0-9a-f]{32}", token.name_dob)
    assert re.fullmatch(r"[0-9a-f]{32}", token.dob)
    given, family, born = ERASED
    held = " ".join(str(v) for v in vars(token).values()).lower()
    for clear in (given.lower(), family.lower(), born.isoformat(), subject_id):
        assert clear not in held
    assert document["loss_detection_tokens"] == ERASED_TOKEN_STATEMENT
    erased_on = register.uow.today()
    assert document["loss_detection_tokens_destroyed_by"] == str(erased_on + timedelta(days=90))


def test_an_entry_removed_while_the_person_stays_listed_keeps_no_token(
    register: Register,
) -> None:
    cast, ids = _populate(register)
    other_list = authorised_list(register, cast, name="Second list")
    given, family, born = ERASED
    add_entry(
        uow=register.uow,
        actor=cast.iao,
        list_id=other_list,
        purpose="gang_violence_reduction",
        item=NewEntry(
            given_name=given,
            family_name=family,
            date_of_birth=born,
            category="suspected",
            bcu="CE",
        ),
    )
    (done,) = erase_entries(
        uow=register.uow,
        actor_id=None,
        removals=[EntryRemoval(ids[family], "rule:matrix-removal", "no attention")],
    )
    assert done.scope == "entry"
    assert done.document["loss_detection_tokens"] is None
    assert _tokens(register) == []


def test_a_batch_erasure_keeps_a_token_for_each_person_erased(register: Register) -> None:
    _cast, ids = _populate(register)
    removals = [EntryRemoval(ids[f], "rule:matrix-removal", "no attention") for _, f, _ in PEOPLE]
    done = erase_entries(uow=register.uow, actor_id=None, removals=removals[:3])
    assert {d.scope for d in done} == {"subject"}
    assert len(_tokens(register)) == 3
    assert all(d.document["loss_detection_tokens"] == ERASED_TOKEN_STATEMENT for d in done)


def test_a_scan_reports_a_copy_of_an_erased_person_as_erased(
    register: Register, tmp_path: Path
) -> None:
    cast, subject_id, _ = _erase_one(register)
    _copy_of_the_erased(tmp_path / "drive")

    outcome = scan_paths(uow=register.uow, actor=cast.dpo, paths=[tmp_path / "drive"])

    (finding,) = outcome.findings
    assert finding.strength == "strong"
    assert finding.erased_matches == 1
    assert subject_id not in finding.strong_subject_ids + finding.weak_subject_ids


def test_the_sweep_destroys_tokens_after_ninety_days_and_the_scan_then_finds_nothing(
    register: Register, tmp_path: Path
) -> None:
    cast, _, _ = _erase_one(register)
    _copy_of_the_erased(tmp_path / "drive")
    today = register.uow.today()

    assert sweep(uow=register.uow, today=today + timedelta(days=90)).loss_tokens_destroyed == 0
    assert len(_tokens(register)) == 1
    later = today + timedelta(days=91)
    assert sweep(uow=register.uow, today=later, dry_run=True).loss_tokens_destroyed == 1
    assert len(_tokens(register)) == 1
    assert sweep(uow=register.uow, today=later).loss_tokens_destroyed == 1
    assert _tokens(register) == []
    with register.uow.read_only() as session:
        (event,) = session.scalars(
            select(Event).where(Event.operation == Operation.LOSS_TOKENS_DESTROY.value)
        )
    assert event.result_count == 1
    assert event.actor_id is None

    outcome = scan_paths(uow=register.uow, actor=cast.dpo, paths=[tmp_path / "drive"])
    assert outcome.findings == []  # nothing of the erased person is left to match


def test_a_token_past_ninety_days_is_not_used_even_before_the_sweep(register: Register) -> None:
    cast, _, _ = _erase_one(register)
    later = register.uow.now() + timedelta(days=91)
    register.uow.clock = lambda: later
    held = scanner_tokens(uow=register.uow, actor=cast.dpo)
    assert held is not None
    assert held.tokens == ()


@pytest.mark.parametrize(
    "role", ["iao", "dpo2", "board", "iru", "analyst", "officer", "equality", "auditor", "admin"]
)
def test_only_the_scanner_may_read_the_token_key(register: Register, role: str) -> None:
    cast, _, _ = _erase_one(register)
    actor = getattr(cast, role)
    if actor.role == cast.dpo.role:  # a second DPO is a DPO: the scanner
        held = scanner_tokens(uow=register.uow, actor=actor)
        assert held is not None
        assert held.key == register.uow.cipher.keystore.system_key(TOKEN_KEY)  # type: ignore[attr-defined]
        assert len(held.tokens) == 1
        return
    with pytest.raises(AccessDenied):
        scanner_tokens(uow=register.uow, actor=actor)
    with register.uow.read_only() as session:
        refused = session.scalars(
            select(Event).where(
                Event.operation == Operation.REFUSED.value, Event.actor_id == actor.id
            )
        ).all()
    assert len(refused) == 1


def test_the_dpia_template_states_what_is_kept_of_erased_people() -> None:
    text = " ".join(dpia_template().split())
    assert ERASED_TOKEN_STATEMENT in text
