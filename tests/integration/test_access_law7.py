"""Law 7 through the services: training and unused grants lapse; movers and leavers lose access."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from listwarden.bootstrap import Register
from listwarden.domain.errors import AccessDenied, AuthenticationRequired
from listwarden.policy.engine import PolicyEngine
from listwarden.services import grants
from listwarden.services.access_review import review_access, sync_hr_feed
from listwarden.services.consult import consult_entry
from listwarden.services.users import authenticate_token, issue_token
from listwarden.store.tables import Event, Grant
from tests.factories import Cast, add_person, authorised_list, make_cast, train

WHY = {"purpose": "gang_violence_reduction", "justification": "pre-operation briefing CE"}
FEED_HEADER = "user_id,name,role,bcus,unit,status,effective_date\n"


def _setup(register: Register) -> tuple[Cast, str, str]:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    return cast, matrix, add_person(register, cast, matrix)


def _refusals(register: Register) -> list[str | None]:
    with register.uow.read_only() as session:
        return list(
            session.scalars(select(Event.reason).where(Event.operation == "request:refused"))
        )


def _refused_by(register: Register, cast: Cast, entry: str) -> str:
    before = len(_refusals(register))
    with pytest.raises(AccessDenied) as refused:
        consult_entry(uow=register.uow, actor=cast.officer, entry_id=entry, **WHY)
    after = _refusals(register)
    assert len(after) == before + 1  # exactly one refusal event, naming the policy
    assert after[-1] == f"entry:consult refused by {refused.value.policy}"
    return refused.value.policy


def _later(register: Register, days: int) -> None:
    later = register.uow.now() + timedelta(days=days)
    register.uow.clock = lambda: later


def test_a_lapsed_mandatory_course_refuses_and_says_why(register: Register) -> None:
    cast, _matrix, entry = _setup(register)
    consult_entry(uow=register.uow, actor=cast.officer, entry_id=entry, **WHY)
    _later(register, 400)  # every course in the factories runs a year
    policy = _refused_by(register, cast, entry)
    assert policy == "mandatory-data-protection-training-is-not-current"


def test_a_grant_unused_for_the_lapse_period_lapses(register: Register) -> None:
    cast, matrix, entry = _setup(register)
    used = consult_entry(uow=register.uow, actor=cast.officer, entry_id=entry, **WHY)
    assert used.summary.entry_id == entry
    with register.uow.read_only() as session:
        grant = session.scalars(
            select(Grant).where(Grant.user_id == cast.officer.id, Grant.list_id == matrix)
        ).one()
    assert grant.last_used_at is not None  # consulting is a use of the grant
    _later(register, 91)
    assert _refused_by(register, cast, entry) == "no-current-grant-to-this-list"
    lapsed = grants.lapse_unused_grants(uow=register.uow)
    assert grant.id in lapsed
    with register.uow.read_only() as session:
        again = session.get_one(Grant, grant.id)
        assert again.revoked_reason == "the grant was unused for the lapse period"


def _last_used(register: Register, user_id: str, list_id: str) -> datetime | None:
    with register.uow.read_only() as session:
        return session.scalars(
            select(Grant.last_used_at).where(Grant.user_id == user_id, Grant.list_id == list_id)
        ).one()


def test_a_grants_last_use_is_kept_to_the_hour(register: Register) -> None:
    """Each consultation is a use, recorded once an hour at most, never missed for longer."""
    cast, matrix, entry = _setup(register)
    start = register.uow.now()
    register.uow.clock = lambda: start
    consult_entry(uow=register.uow, actor=cast.officer, entry_id=entry, **WHY)
    assert _last_used(register, cast.officer.id, matrix) == start
    register.uow.clock = lambda: start + timedelta(minutes=59)
    consult_entry(uow=register.uow, actor=cast.officer, entry_id=entry, **WHY)
    assert _last_used(register, cast.officer.id, matrix) == start
    register.uow.clock = lambda: start + timedelta(minutes=61)
    consult_entry(uow=register.uow, actor=cast.officer, entry_id=entry, **WHY)
    assert _last_used(register, cast.officer.id, matrix) == start + timedelta(minutes=61)


def test_a_lapsed_list_course_refuses_though_the_grant_is_current(register: Register) -> None:
    cast, matrix, entry = _setup(register)
    _later(register, 80)
    train(register, cast.officer.id, register.uow.access.mandatory_course)
    grant_id = grants.grant_access(
        uow=register.uow, actor=cast.iao, user_id=cast.officer.id, list_id=matrix
    )
    assert grant_id
    consult_entry(uow=register.uow, actor=cast.officer, entry_id=entry, **WHY)
    _later(register, 300)
    for actor in (cast.officer, cast.iao):
        train(register, actor.id, register.uow.access.mandatory_course)
    grants.recertify_grant(uow=register.uow, actor=cast.iao, grant_id=grant_id)
    assert _refused_by(register, cast, entry) == "training-for-this-list-is-not-current"


def test_only_the_lists_owner_grants_access(register: Register) -> None:
    cast, matrix, _entry = _setup(register)
    with pytest.raises(AccessDenied) as refused:
        grants.grant_access(uow=register.uow, actor=cast.iao2, user_id=cast.iru.id, list_id=matrix)
    assert refused.value.policy == "only-the-owner-alters-a-list-or-recertifies-its-grants"


def test_a_mover_loses_every_grant_at_once(register: Register) -> None:
    cast, _matrix, entry = _setup(register)
    feed = FEED_HEADER + f"{cast.officer.id},Oli Cer,analyst,CE,Burglary,mover,2026-01-05\n"
    report = sync_hr_feed(uow=register.uow, text=feed)
    assert report.moved == [cast.officer.id]
    assert len(report.grants_revoked) == 1
    assert _refused_by(register, cast, entry) == "no-current-grant-to-this-list"


def test_a_leaver_is_shut_out_at_once(register: Register) -> None:
    cast, _matrix, entry = _setup(register)
    token = issue_token(uow=register.uow, user_id=cast.officer.id)
    assert authenticate_token(uow=register.uow, token=token).actor.id == cast.officer.id
    feed = FEED_HEADER + f"{cast.officer.id},Oli Cer,officer,CE,Gangs CE,leaver,2026-01-05\n"
    report = sync_hr_feed(uow=register.uow, text=feed)
    assert (report.left, report.tokens_revoked) == ([cast.officer.id], 1)
    with pytest.raises(AuthenticationRequired):
        authenticate_token(uow=register.uow, token=token)
    assert _refused_by(register, cast, entry) == "inactive-accounts-may-do-nothing"


def test_an_expired_token_stops_working(register: Register) -> None:
    cast = make_cast(register)
    token = issue_token(
        uow=register.uow,
        user_id=cast.auditor.id,
        expires_at=register.uow.now() + timedelta(minutes=5),
    )
    assert authenticate_token(uow=register.uow, token=token).actor.id == cast.auditor.id
    _later(register, 1)
    with pytest.raises(AuthenticationRequired) as refused:
        authenticate_token(uow=register.uow, token=token)
    assert str(refused.value) == "the API token has expired"


def test_the_review_lists_holders_and_untrained_gang_unit_staff(register: Register) -> None:
    cast, matrix, _entry = _setup(register)
    feed = FEED_HEADER + "hr-77,Newly Joined,officer,SN,Gangs SN,joiner,2026-01-05\n"
    assert sync_hr_feed(uow=register.uow, text=feed).joined == ["hr-77"]
    review = review_access(uow=register.uow)
    assert review.gang_unit_without_mandatory_training == ["hr-77"]
    holders = {h.user_id for h in review.held if h.list_id == matrix}
    assert holders == {a.id for a in cast.everyone()}
    assert all(h.current and h.mandatory_training_current for h in review.held)


def test_the_engine_never_evaluates_without_its_schema(register: Register) -> None:
    loaded = register.uow.policy
    with pytest.raises(TypeError, match="never evaluates without its schema"):
        PolicyEngine(schema=None, policies=loaded._policies, catalogue={})  # type: ignore[arg-type]
    assert register.uow.policy is loaded  # parsed once and kept resident
