"""Test factories: build users, authorised lists and entries through the real services."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta

from listwarden.bootstrap import Register
from listwarden.domain.access import Actor
from listwarden.domain.vocabulary import Role
from listwarden.services import grants, lists
from listwarden.services.access import course_of
from listwarden.services.entries import NewEntry, add_entry
from listwarden.services.users import create_user
from listwarden.store.tables import RegisterList


@dataclass
class Cast:
    """One user per role; the analyst and officer work in Central East only."""

    iao: Actor
    iao2: Actor
    dpo: Actor
    dpo2: Actor
    board: Actor
    iru: Actor
    analyst: Actor
    officer: Actor
    officer_other_bcu: Actor
    equality: Actor
    auditor: Actor
    admin: Actor

    def everyone(self) -> list[Actor]:
        return [getattr(self, f.name) for f in fields(self)]


def train(register: Register, user_id: str, course: str, *, days: int = 365) -> None:
    """Record ``course`` as completed today and current for ``days``."""
    today = register.uow.today()
    grants.record_training(
        uow=register.uow,
        actor=None,
        user_id=user_id,
        course=course,
        completed_on=today,
        expires_on=today + timedelta(days=days),
    )


def grant(register: Register, cast: Cast, list_id: str) -> None:
    """Give everyone in the cast current training (mandatory and the list's) and a grant to it."""
    with register.uow.read_only() as session:
        register_list = session.get(RegisterList, list_id)
        assert register_list is not None
        course = course_of(register_list)
    for actor in cast.everyone():
        train(register, actor.id, register.uow.access.mandatory_course)
        train(register, actor.id, course)
        grants.grant_access(uow=register.uow, actor=None, user_id=actor.id, list_id=list_id)


def make_cast(register: Register) -> Cast:
    uow = register.uow

    def user(name: str, role: Role, bcus: tuple[str, ...] = (), wide: bool = True) -> Actor:
        made = create_user(uow=uow, actor_id=None, name=name, role=role, bcus=bcus, force_wide=wide)
        train(register, made.id, uow.access.mandatory_course)
        return made

    return Cast(
        iao=user("Iris Owner", Role.IAO),
        iao2=user("Ivan Owner", Role.IAO),
        dpo=user("Dana Officer", Role.DPO),
        dpo2=user("Dev Officer", Role.DPO),
        board=user("Bea Board", Role.DATA_BOARD),
        iru=user("Ira Rights", Role.IRU),
        analyst=user("Ana Lyst", Role.ANALYST, ("CE",), wide=False),
        officer=user("Oli Cer", Role.OFFICER, ("CE",), wide=False),
        officer_other_bcu=user("Oda South", Role.OFFICER, ("SN",), wide=False),
        equality=user("Eq Analyst", Role.EQUALITY_ANALYST),
        auditor=user("Aud It", Role.AUDITOR),
        admin=user("Ad Min", Role.ADMINISTRATOR),
    )


def draft_list(
    register: Register,
    cast: Cast,
    *,
    name: str = "Gangs Violence Matrix",
    purposes: tuple[str, ...] = ("gang_violence_reduction",),
    categories: tuple[str, ...] = ("suspected", "convicted"),
    review_on: date | None = None,
    identity_codes: bool = True,
    complete: bool = True,
) -> str:
    """A list with every authorisation item present (``complete``) but not yet authorised."""
    uow = register.uow
    list_id = lists.create_list(
        uow=uow,
        actor=cast.iao,
        name=name,
        purposes=purposes,
        lawful_basis="DPA 2018 s.35(2)(b)" if complete else "",
        categories=categories,
        holds_identity_codes=identity_codes,
        retention_schedule_ref="retention/matrix.toml",
        access_policy_ref="access/default.cedar",
        public_notice="We keep a list (s.44).",
    )
    grant(register, cast, list_id)
    if complete:
        lists.record_dpia(
            uow=uow,
            actor=cast.iao,
            list_id=list_id,
            description="d",
            risks="r",
            measures="m",
            safeguards="s",
            equality_impact="e",
            prior_consultation="consulted",
            review_on=review_on or uow.today() + timedelta(days=365),
        )
        lists.approve_dpia(uow=uow, actor=cast.dpo, list_id=list_id)
        lists.record_policy_document(
            uow=uow,
            actor=cast.iao,
            list_id=list_id,
            kind="s42_appropriate_policy",
            reference="APD/1",
            schedule_8_condition="statutory_purposes",
        )
    return list_id


def authorised_list(register: Register, cast: Cast, **kwargs: object) -> str:
    list_id = draft_list(register, cast, **kwargs)  # type: ignore[arg-type]
    lists.authorise_list(uow=register.uow, actor=cast.dpo, list_id=list_id)
    return list_id


def person(
    n: int = 0,
    *,
    category: str = "suspected",
    bcu: str = "CE",
    born: date = date(1998, 5, 17),
    **kwargs: object,
) -> NewEntry:
    return NewEntry(
        given_name=f"Testgiven{n}",
        family_name=f"Testfamily{n}",
        date_of_birth=born,
        category=category,
        bcu=bcu,
        **kwargs,
    )  # type: ignore[arg-type]


def add_person(
    register: Register,
    cast: Cast,
    list_id: str,
    n: int = 0,
    purpose: str = "gang_violence_reduction",
    **kwargs: object,
) -> str:
    return add_entry(
        uow=register.uow, actor=cast.iao, list_id=list_id, purpose=purpose, item=person(n, **kwargs)
    )  # type: ignore[arg-type]


def add_child(register: Register, cast: Cast, list_id: str, n: int = 1, **kwargs: object) -> str:
    """A fifteen-year-old's entry with the safeguards a child's needs: the IAO's approval and
    a safeguarding referral."""
    today = register.uow.today()
    return add_person(
        register,
        cast,
        list_id,
        n,
        born=date(today.year - 15, 1, 1),
        iao_approval_by=cast.iao.id,
        safeguarding_referral="MASH-1",
        **kwargs,
    )


def framework_active(
    register: Register, cast: Cast, framework: str = "matrix-2018-example", **kwargs: object
) -> str:
    """An authorised list on which ``framework`` has been trialled, signed off and activated."""
    from listwarden.services.frameworks import activate_framework, run_trial, sign_off_trial

    list_id = authorised_list(register, cast, **kwargs)
    trial = run_trial(uow=register.uow, actor=cast.equality, list_id=list_id, framework=framework)
    sign_off_trial(uow=register.uow, actor=cast.dpo, trial_id=trial.id, note="bands reviewed")
    activate_framework(uow=register.uow, actor=cast.iao, list_id=list_id, framework=framework)
    return list_id
