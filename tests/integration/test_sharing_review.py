"""The sharing review and leak attribution, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from listwarden.bootstrap import Register
from listwarden.domain.errors import AccessDenied
from listwarden.domain.sharing import SharingNotPermitted
from listwarden.services import sharing
from listwarden.services.disclosures import request_disclosure
from listwarden.services.erasure import EntryRemoval, erase_entries, erase_entry
from listwarden.services.sharing_notices import forget_fingerprints, mark_sent, pending_notices
from listwarden.services.sharing_review import attribute_leak, name_tags, review_sharing
from listwarden.store.tables import DisclosureEntryRow
from tests.integration.test_disclosures import open_package
from tests.sharing_world import approved_agreement, sharing_world


def test_the_review_shows_what_was_shared_due_agreements_and_every_refusal(
    register: Register,
) -> None:
    world = sharing_world(register, people=4)
    uow, cast = register.uow, world.cast
    request_disclosure(uow=uow, actor=cast.analyst, ask=world.ask(world.entries[:2]))
    request_disclosure(uow=uow, actor=cast.analyst, ask=world.ask(world.entries[2:]))
    with pytest.raises(SharingNotPermitted):
        request_disclosure(uow=uow, actor=cast.analyst, ask=world.ask(justification=""))
    with pytest.raises(AccessDenied):
        request_disclosure(uow=uow, actor=cast.officer, ask=world.ask())
    due = approved_agreement(
        register, cast, [world.recipient], review_on=uow.today() + timedelta(days=10)
    )
    gone = approved_agreement(
        register, cast, [world.recipient], review_on=uow.today() + timedelta(days=5)
    )
    sharing.revoke_agreement(uow=uow, actor=cast.iru, agreement_id=gone, reason="superseded")
    review = review_sharing(uow=uow, actor=cast.auditor)
    [shared] = review.shared
    assert (shared.recipient_id, shared.agreement_id) == (world.recipient, world.agreement)
    assert (shared.disclosures, shared.entries) == (2, 4)
    assert shared.purposes == {"gang_violence_reduction": 2}
    assert [a.id for a in review.expired_or_due] == [due]
    assert [(r.refused_by, r.by) for r in review.refused] == [
        ("sharing-rules", cast.analyst.id),
        ("access-policy", cast.officer.id),
    ]
    assert "justification-missing@justification" in review.refused[0].reasons
    assert review.disclosures == 2
    with pytest.raises(AccessDenied):
        review_sharing(uow=uow, actor=cast.analyst)


def _fragment(members: dict[str, bytes], rows: slice) -> list[dict[str, str]]:
    table = list(csv.DictReader(io.StringIO(members["disclosure.csv"].decode("utf-8-sig"))))
    return table[rows]


def test_a_leaked_fragment_of_five_rows_names_its_disclosure_with_and_without_tags(
    register: Register, tmp_path: Path
) -> None:
    world = sharing_world(register, people=8)
    uow, cast = register.uow, world.cast
    wide = request_disclosure(uow=uow, actor=cast.analyst, ask=world.ask())
    request_disclosure(uow=uow, actor=cast.analyst, ask=world.ask(world.entries[:3]))
    assert wide.package is not None
    leaked = _fragment(open_package(world.identity, wide.package, tmp_path), slice(3, 8))
    assert len(leaked) == 5

    tagged = attribute_leak(uow=uow, actor=cast.iru, rows=leaked)
    assert tagged.method == "tags"
    assert {m.reference for m in tagged.tag_matches} == {wide.reference}
    assert [m.row for m in tagged.tag_matches] == [3, 4, 5, 6, 7]
    assert [m.entry_id for m in tagged.tag_matches] == world.entries[3:8]
    assert all(m.consistent for m in tagged.tag_matches)

    # Tags, reference and entry ids stripped: names and dates of birth still point to it.
    stripped = [
        {k: v for k, v in row.items() if k in {"given_name", "family_name", "date_of_birth"}}
        for row in leaked
    ]
    by_content = attribute_leak(uow=uow, actor=cast.iru, rows=stripped)
    assert by_content.method == "content"
    assert [c.reference for c in by_content.candidates] == [wide.reference]
    assert by_content.people == 5

    # The first three people went in both disclosures: the smaller one is ranked first.
    both = [
        {k: v for k, v in row.items() if k in {"given_name", "family_name", "date_of_birth"}}
        for row in _fragment(open_package(world.identity, wide.package, tmp_path), slice(0, 3))
    ]
    ranked = attribute_leak(uow=uow, actor=cast.iru, rows=both)
    assert len(ranked.candidates) == 2
    assert ranked.candidates[0].disclosure_rows == 3


def test_erasing_a_disclosed_entry_tells_its_recipient_and_forgets_the_fingerprint(
    register: Register,
) -> None:
    world = sharing_world(register, people=3)
    uow, cast = register.uow, world.cast
    outcome = request_disclosure(uow=uow, actor=cast.analyst, ask=world.ask())
    gone = world.entries[1]
    erase_entry(
        uow=uow, actor_id=cast.iao.id, entry_id=gone, rule_or_request="SAR-2026-9", reason="erasure"
    )
    [notice] = pending_notices(uow=uow, actor=cast.iru)
    assert (notice.kind, notice.entry_id, notice.row) == ("erasure", gone, 1)
    assert (notice.recipient_id, notice.reference) == (world.recipient, outcome.reference)
    assert notice.notice_contact == "information.governance@borough.example"
    assert review_sharing(uow=uow, actor=cast.dpo).notices_unsent == [notice]
    with pytest.raises(AccessDenied):
        mark_sent(uow=uow, actor=cast.dpo, notice_ids=[notice.id])
    assert mark_sent(uow=uow, actor=cast.iru, notice_ids=[notice.id]) == 1
    assert pending_notices(uow=uow, actor=cast.iru) == []
    with register.uow.read_only() as session:
        row = session.scalars(
            select(DisclosureEntryRow).where(DisclosureEntryRow.entry_id == gone)
        ).one()
        assert row.erased_on == uow.today()
        assert row.fingerprint is not None  # kept for loss detection, for 90 days at most
    real = uow.clock
    uow.clock = lambda: real() + timedelta(days=91)
    try:
        with register.uow.transaction() as session:
            forget_fingerprints(session, uow.today())
    finally:
        uow.clock = real
    with register.uow.read_only() as session:
        rows = session.scalars(select(DisclosureEntryRow)).all()
    assert [r.fingerprint is None for r in rows if r.entry_id == gone] == [True]
    assert all(r.fingerprint for r in rows if r.entry_id != gone)


def test_a_batch_erasure_tells_recipients_too(register: Register) -> None:
    world = sharing_world(register, people=2)
    uow, cast = register.uow, world.cast
    request_disclosure(uow=uow, actor=cast.analyst, ask=world.ask())
    erase_entries(
        uow=uow,
        actor_id=None,
        removals=[EntryRemoval(e, "matrix removal rule", "retention sweep") for e in world.entries],
    )
    notices = pending_notices(uow=uow, actor=cast.iru)
    assert sorted(n.entry_id for n in notices) == sorted(world.entries)
    assert {n.kind for n in notices} == {"erasure"}


def test_tags_a_scan_found_are_named_with_their_disclosure_and_row(
    register: Register, tmp_path: Path
) -> None:
    world = sharing_world(register, people=4)
    uow, cast = register.uow, world.cast
    sent = request_disclosure(uow=uow, actor=cast.analyst, ask=world.ask())
    assert sent.package is not None
    rows = _fragment(open_package(world.identity, sent.package, tmp_path), slice(1, 3))
    # A scanner finds bare hex strings: the prefix may be gone, and noise comes with them.
    found = [rows[0]["row_tag"], rows[1]["row_tag"].removeprefix("lwt1-"), "deadbeef" * 3]
    named = name_tags(uow=uow, actor=cast.auditor, tags=found)
    assert [(t.reference, t.row, t.entry_id) for t in named] == [
        (sent.reference, 1, world.entries[1]),
        (sent.reference, 2, world.entries[2]),
    ]
    assert {t.recipient_id for t in named} == {world.recipient}
    with pytest.raises(AccessDenied):
        name_tags(uow=uow, actor=cast.officer, tags=found)
