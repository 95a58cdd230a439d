"""Law 6 through the services, on SQLite and PostgreSQL: agreements, disclosures, refusals."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from pyrage import x25519
from sqlalchemy import select, update

from listwarden.bootstrap import Register
from listwarden.domain.errors import AccessDenied, Conflict, InvalidInput
from listwarden.domain.sharing import SharingNotPermitted
from listwarden.services import sharing
from listwarden.services.disclosures import (
    Status,
    approve_disclosure,
    decline_disclosure,
    request_disclosure,
)
from listwarden.services.entries import NewEvidence, NewIntelligence
from listwarden.services.gangs import record_gang
from listwarden.store.tables import (
    DisclosureEntryRow,
    DisclosureRequestRow,
    DisclosureRow,
    Entry,
    Event,
)
from tests.factories import add_person, authorised_list
from tests.sharing_world import (
    FIELDS,
    approved_agreement,
    new_recipient,
    sharing_world,
    terms,
)


def codes(error: pytest.ExceptionInfo[SharingNotPermitted]) -> set[str]:
    return {r.code for r in error.value.reasons}


def open_package(identity: x25519.Identity, ciphertext: bytes, tmp_path: Path) -> dict[str, bytes]:
    """Decrypt with Debian's ``age`` tool, exactly as a recipient would."""
    assert shutil.which("age"), "Debian's age tool is needed (make system-deps)"
    key = tmp_path / "recipient-key.txt"
    key.write_text(str(identity) + "\n")
    key.chmod(0o600)
    package = tmp_path / "package.zip.age"
    package.write_bytes(ciphertext)
    opened = subprocess.run(
        ["age", "-d", "-i", str(key), str(package)], capture_output=True, check=True
    )
    with zipfile.ZipFile(io.BytesIO(opened.stdout)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_disclosure_carries_only_agreed_fields_and_the_age_tool_opens_it(
    register: Register, tmp_path: Path
) -> None:
    world = sharing_world(register)
    outcome = request_disclosure(uow=register.uow, actor=world.cast.analyst, ask=world.ask())
    assert outcome.status == Status.DISCLOSED
    assert outcome.fields_removed == ("address",)
    assert outcome.package is not None
    members = open_package(world.identity, outcome.package, tmp_path)
    everything = b"".join(members.values())
    assert b"Testgiven0" in everything
    assert b"address" not in members["disclosure.csv"]
    document = json.loads(members["disclosure.json"])
    assert "address" not in document["columns"]
    assert [row["entry_id"] for row in document["rows"]] == world.entries
    manifest = json.loads(members["manifest.json"])
    assert manifest["disclosure_reference"] == outcome.reference
    assert manifest["fields_removed"] == ["address"]
    with register.uow.read_only() as session:
        sent = session.scalars(select(DisclosureRow)).one()
        assert sent.package_sha256 == outcome.package_sha256
        assert sent.recipient_id == world.recipient
        assert sent.agreement_id == world.agreement
        named = session.scalars(select(DisclosureEntryRow)).all()
        assert all(n.fingerprint for n in named)
        # Personal values are never in clear: justifications are sealed, names absent.
        assert all(b"tenancy" not in (n.justification_ct or b"") for n in named)
        logged = session.scalars(select(Event).where(Event.operation == "entry:disclose")).all()
    assert sorted(e.entry_id for e in logged) == sorted(world.entries)
    assert {e.recipient_id for e in logged} == {world.recipient}
    assert all(e.justification_ct for e in logged)


def test_every_reason_is_given_at_once_and_the_refusal_is_kept(register: Register) -> None:
    world = sharing_world(register)
    victim_list_entry = world.entries[0]
    ask = world.ask(
        entries=[*world.entries, world.entries[1], "no-such-entry"],
        purpose="gang_violence_reduction",
        justification=" ",
        entry_justifications={victim_list_entry: "same words", world.entries[1]: "same words"},
        fields=["entry_id", "shoe_size"],
    )
    with pytest.raises(SharingNotPermitted) as refused:
        request_disclosure(uow=register.uow, actor=world.cast.analyst, ask=ask)
    assert {
        "justification-missing",
        "entry-justification-repeated",
        "entry-justification-missing",
        "entry-duplicated",
        "entry-unknown",
        "field-unknown",
    } <= codes(refused)
    with register.uow.read_only() as session:
        kept = session.scalars(select(DisclosureRequestRow)).one()
        assert kept.status == Status.REFUSED
        assert "entry-unknown@entries.no-such-entry" in kept.reasons
        assert session.scalars(select(DisclosureRow)).all() == []
        refusals = session.scalars(
            select(Event).where(Event.operation == "disclosure:request", Event.outcome == "refused")
        ).all()
    assert len(refusals) == 1


def test_bands_green_zero_score_and_children_are_refused_by_name(register: Register) -> None:
    world = sharing_world(register)
    uow = register.uow
    green = add_person(register, world.cast, world.matrix, n=10, band="green", score=5)
    zero = add_person(register, world.cast, world.matrix, n=11, band="red", score=0)
    child = add_person(
        register,
        world.cast,
        world.matrix,
        n=12,
        band="red",
        score=40,
        born=uow.today() - timedelta(days=16 * 365),
        iao_approval_by=world.cast.iao.id,
        safeguarding_referral="MASH-2026-17",
    )
    charity, _key = new_recipient(
        register,
        world.cast,
        world.iru2,
        "Youth Charity",
        kind="non_statutory",
        statutory_function=None,
        organisation_type="charity",
    )
    agreement = approved_agreement(register, world.cast, [charity])
    ask = replace(
        world.ask(entries=[green, zero, child]), recipient_id=charity, agreement_id=agreement
    )
    with pytest.raises(SharingNotPermitted) as refused:
        request_disclosure(uow=uow, actor=world.cast.analyst, ask=ask)
    by_entry = {(r.code, r.field) for r in refused.value.reasons}
    assert ("green-not-named", f"entries.{green}") in by_entry
    assert ("zero-score-not-named", f"entries.{zero}") in by_entry
    assert ("under-18-to-non-statutory", f"entries.{child}") in by_entry


def test_the_agreement_must_cover_recipient_purpose_and_be_in_date(register: Register) -> None:
    world = sharing_world(register)
    uow = register.uow
    other, _key = new_recipient(register, world.cast, world.iru2, "Other Borough")
    with pytest.raises(SharingNotPermitted) as refused:
        request_disclosure(
            uow=uow, actor=world.cast.analyst, ask=replace(world.ask(), recipient_id=other)
        )
    assert "recipient-not-party" in codes(refused)
    with pytest.raises(SharingNotPermitted) as refused:
        request_disclosure(
            uow=uow,
            actor=world.cast.analyst,
            ask=world.ask(purpose="offender_management"),
        )
    assert "purpose-not-covered" in codes(refused)
    draft = sharing.draft_agreement(
        uow=uow, actor=world.cast.iao, terms=terms([world.recipient], uow.today())
    )
    with pytest.raises(SharingNotPermitted) as refused:
        request_disclosure(
            uow=uow, actor=world.cast.analyst, ask=replace(world.ask(), agreement_id=draft)
        )
    assert "agreement-not-approved" in codes(refused)
    sharing.revoke_agreement(
        uow=uow, actor=world.cast.iru, agreement_id=world.agreement, reason="recipient breach"
    )
    with pytest.raises(SharingNotPermitted) as refused:
        request_disclosure(uow=uow, actor=world.cast.analyst, ask=world.ask())
    assert "agreement-revoked" in codes(refused)


def test_an_agreement_expires_with_its_validity(register: Register) -> None:
    today = register.uow.today()
    world = sharing_world(
        register, valid_until=today + timedelta(days=30), review_on=today + timedelta(days=20)
    )
    uow = register.uow
    real = uow.clock
    uow.clock = lambda: real() + timedelta(days=31)
    try:
        with pytest.raises(SharingNotPermitted) as refused:
            request_disclosure(uow=uow, actor=world.cast.analyst, ask=world.ask())
        views = sharing.list_agreements(uow=uow, actor=world.cast.iru)
    finally:
        uow.clock = real
    assert "agreement-expired" in codes(refused)
    assert [v.status for v in views] == ["expired"]
    assert [v.status for v in sharing.list_agreements(uow=uow, actor=world.cast.iru)] == [
        "approved"
    ]


def test_four_eyes_the_drafter_never_approves_the_agreement(register: Register) -> None:
    world = sharing_world(register)
    uow = register.uow
    mine = sharing.draft_agreement(
        uow=uow, actor=world.cast.iru, terms=terms([world.recipient], uow.today())
    )
    with pytest.raises(AccessDenied) as refused:
        sharing.approve_agreement(uow=uow, actor=world.cast.iru, agreement_id=mine)
    assert refused.value.policy == "nobody-approves-their-own-request"
    with pytest.raises(AccessDenied):
        sharing.approve_agreement(uow=uow, actor=world.cast.iao, agreement_id=mine)
    sharing.approve_agreement(uow=uow, actor=world.iru2, agreement_id=mine)


def test_an_incomplete_agreement_is_refused_with_every_gap(register: Register) -> None:
    world = sharing_world(register)
    uow = register.uow
    bare = sharing.draft_agreement(
        uow=uow,
        actor=world.cast.iao,
        terms=terms(
            [world.recipient],
            uow.today(),
            lawful_basis="",
            security_conditions="",
            recipient_retention_days=0,
            categories=["victim"],
            fields=["entry_id", "intelligence_text"],
        ),
    )
    with pytest.raises(SharingNotPermitted) as refused:
        sharing.approve_agreement(uow=uow, actor=world.cast.iru, agreement_id=bare)
    assert {
        "lawful-basis-missing",
        "security-conditions-missing",
        "recipient-retention-missing",
        "category-not-permitted-for-purposes",
        "handling-conditions-not-honoured",
    } <= codes(refused)


def test_more_than_twenty_entries_wait_for_a_second_iru_approval(
    register: Register, tmp_path: Path
) -> None:
    world = sharing_world(register, people=21)
    uow = register.uow
    pending = request_disclosure(uow=uow, actor=world.cast.analyst, ask=world.ask())
    assert pending.status == Status.AWAITING_SECOND_APPROVAL
    assert pending.package is None
    # The IRU officer who approved the agreement is not independent of it.
    with pytest.raises(SharingNotPermitted) as refused:
        approve_disclosure(uow=uow, actor=world.cast.iru, request_id=pending.request_id)
    assert codes(refused) == {"second-approver-not-independent"}
    with register.uow.read_only() as session:
        assert session.get(DisclosureRequestRow, pending.request_id).status == Status.REFUSED  # type: ignore[union-attr]
    again = request_disclosure(uow=uow, actor=world.cast.analyst, ask=world.ask())
    with pytest.raises(AccessDenied):
        approve_disclosure(uow=uow, actor=world.cast.analyst, request_id=again.request_id)
    done = approve_disclosure(uow=uow, actor=world.iru2, request_id=again.request_id)
    assert done.status == Status.DISCLOSED
    assert done.entries == 21
    assert done.package is not None
    members = open_package(world.identity, done.package, tmp_path)
    assert json.loads(members["manifest.json"])["rows"] == 21


def test_a_requester_may_disclose_only_what_they_may_reach(register: Register) -> None:
    world = sharing_world(register)
    south = add_person(register, world.cast, world.matrix, n=20, bcu="SN", band="red", score=30)
    with pytest.raises(AccessDenied) as refused:
        request_disclosure(uow=register.uow, actor=world.cast.analyst, ask=world.ask([south]))
    assert refused.value.policy == "officers-and-analysts-act-only-in-their-own-bcus"
    with pytest.raises(AccessDenied):
        request_disclosure(uow=register.uow, actor=world.cast.officer, ask=world.ask())


def test_intelligence_goes_to_a_non_statutory_body_only_under_an_approved_permission(
    register: Register, tmp_path: Path
) -> None:
    world = sharing_world(register)
    uow, cast = register.uow, world.cast
    graded = NewIntelligence(
        grading="2B C",
        handling_conditions="not to be shared onward",
        source_type="police",
        source_ref="SRC-41",
        text="seen carrying a blade at the estate",
        reported_on=uow.today(),
    )
    robbery = NewEvidence(
        kind="offence",
        role="perpetrator",
        occurred_on=uow.today(),
        description="robbery at the station",
    )
    entry = add_person(
        register,
        cast,
        world.matrix,
        n=30,
        band="red",
        score=44,
        intelligence=[graded],
        evidence=[robbery],
    )
    charity, identity = new_recipient(
        register,
        cast,
        world.iru2,
        "Youth Charity",
        kind="non_statutory",
        statutory_function=None,
        organisation_type="charity",
    )
    wanted = ["entry_id", "intelligence_text", "intelligence_grading", "evidence_summary"]
    changes = {"fields": wanted, "honours_handling_conditions": True}
    ask = replace(
        world.ask([entry]),
        recipient_id=charity,
        fields=wanted,
        entry_justifications={entry: "mentoring referral for this young man"},
    )
    # Without a permission, intelligence never goes to a non-statutory body.
    plain = approved_agreement(register, cast, [charity], **changes)
    with pytest.raises(SharingNotPermitted) as refused:
        request_disclosure(uow=uow, actor=cast.analyst, ask=replace(ask, agreement_id=plain))
    assert codes(refused) == {"intelligence-not-permitted"}
    # A permission must itself be approved, explicitly, by the approving IRU officer.
    why = "the charity's intervention workers need the intelligence to manage risk"
    permitted = sharing.draft_agreement(
        uow=uow,
        actor=cast.iao,
        terms=terms([charity], uow.today(), intelligence_justification=why, **changes),
    )
    with pytest.raises(SharingNotPermitted) as refused:
        sharing.approve_agreement(uow=uow, actor=cast.iru, agreement_id=permitted)
    assert codes(refused) == {"intelligence-permission-not-approved"}
    sharing.approve_agreement(
        uow=uow, actor=cast.iru, agreement_id=permitted, approve_intelligence_permission=True
    )
    outcome = request_disclosure(
        uow=uow, actor=cast.analyst, ask=replace(ask, agreement_id=permitted)
    )
    assert outcome.package is not None
    members = open_package(identity, outcome.package, tmp_path)
    [row] = json.loads(members["disclosure.json"])["rows"]
    assert row["intelligence_text"] == ["seen carrying a blade at the estate"]
    assert row["intelligence_grading"] == ["2B C"]
    assert "robbery at the station" in row["evidence_summary"]
    manifest = json.loads(members["manifest.json"])
    assert manifest["handling_conditions"] == [
        {"row": 0, "conditions": ["not to be shared onward"]}
    ]


def test_nothing_is_disclosed_from_a_suspended_list(register: Register) -> None:
    world = sharing_world(register)
    uow = register.uow
    short = authorised_list(
        register, world.cast, name="Short review", review_on=uow.today() + timedelta(days=10)
    )
    entry = add_person(register, world.cast, short, n=40, band="red", score=33)
    assert request_disclosure(uow=uow, actor=world.cast.analyst, ask=world.ask([entry])).package
    real = uow.clock
    uow.clock = lambda: real() + timedelta(days=11)  # the DPIA review has passed: suspended
    try:
        with pytest.raises(SharingNotPermitted) as refused:
            request_disclosure(uow=uow, actor=world.cast.analyst, ask=world.ask([entry]))
    finally:
        uow.clock = real
    assert {(r.code, r.field) for r in refused.value.reasons} == {
        ("list-suspended", f"entries.{entry}")
    }


def test_recipients_are_typed_keyed_and_approved_by_another_iru_officer(
    register: Register,
) -> None:
    world = sharing_world(register)
    uow, cast = register.uow, world.cast
    with pytest.raises(InvalidInput) as bad:
        sharing.register_recipient(
            uow=uow,
            actor=cast.iru,
            name="Keyless Council",
            kind="statutory",
            notice_contact="ig@council.example",
            age_public_key="ssh-ed25519 AAAA",
        )
    assert {r.code for r in bad.value.reasons} == {"age-key-invalid", "statutory-function-missing"}
    key = str(x25519.Identity.generate().to_public())
    fresh = sharing.register_recipient(
        uow=uow,
        actor=cast.iru,
        name="Fresh Council",
        kind="statutory",
        statutory_function="education",
        notice_contact="ig@council.example",
        age_public_key=key,
    )
    with pytest.raises(AccessDenied) as own:
        sharing.approve_recipient(uow=uow, actor=cast.iru, recipient_id=fresh)
    assert own.value.policy == "nobody-approves-their-own-request"
    draft = sharing.draft_agreement(uow=uow, actor=cast.iao, terms=terms([fresh], uow.today()))
    with pytest.raises(SharingNotPermitted) as refused:
        sharing.approve_agreement(uow=uow, actor=cast.iru, agreement_id=draft)
    assert codes(refused) == {"recipient-not-approved"}
    sharing.approve_recipient(uow=uow, actor=world.iru2, recipient_id=fresh)
    sharing.approve_agreement(uow=uow, actor=cast.iru, agreement_id=draft)
    listed = {r.id: r for r in sharing.list_recipients(uow=uow, actor=cast.analyst)}
    assert listed[fresh].approved_by == world.iru2.id


def test_the_second_approver_may_decline_and_the_refusal_is_kept(register: Register) -> None:
    world = sharing_world(register, people=21)
    uow = register.uow
    pending = request_disclosure(uow=uow, actor=world.cast.analyst, ask=world.ask())
    with pytest.raises(InvalidInput):
        decline_disclosure(uow=uow, actor=world.iru2, request_id=pending.request_id, reason=" ")
    with pytest.raises(AccessDenied):
        decline_disclosure(
            uow=uow, actor=world.cast.dpo, request_id=pending.request_id, reason="no"
        )
    decline_disclosure(
        uow=uow, actor=world.iru2, request_id=pending.request_id, reason="too many people"
    )
    with pytest.raises(Conflict):
        approve_disclosure(uow=uow, actor=world.iru2, request_id=pending.request_id)
    with register.uow.read_only() as session:
        kept = session.get(DisclosureRequestRow, pending.request_id)
        assert kept is not None
        assert (kept.status, kept.reasons) == (Status.REFUSED, ["second-approval-declined"])
        assert session.scalars(select(DisclosureRow)).all() == []


def test_the_gang_field_carries_the_name_of_the_linked_gang_and_nothing_for_others(
    register: Register, tmp_path: Path
) -> None:
    world = sharing_world(register, fields=[*FIELDS, "gang"])
    gang_id = record_gang(
        uow=register.uow,
        actor=world.cast.iao,
        name="Eastside Crew",
        bcus=["CE"],
        definition_evidence="joint offending over 18 months; the force's definition",
    )
    linked = world.entries[0]
    with register.uow.transaction() as session:
        session.execute(update(Entry).where(Entry.id == linked).values(gang_id=gang_id))
    ask = world.ask(fields=[*FIELDS, "gang"])
    outcome = request_disclosure(uow=register.uow, actor=world.cast.analyst, ask=ask)
    assert outcome.status == Status.DISCLOSED
    assert outcome.package is not None
    document = json.loads(
        open_package(world.identity, outcome.package, tmp_path)["disclosure.json"]
    )
    gangs = {row["entry_id"]: row["gang"] for row in document["rows"]}
    assert gangs == {e: ("Eastside Crew" if e == linked else None) for e in world.entries}
