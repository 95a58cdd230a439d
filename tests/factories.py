"""Test factories: build users, authorised lists and entries through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from listwarden.bootstrap import Register
from listwarden.domain.access import Actor
from listwarden.domain.vocabulary import Role
from listwarden.services import lists
from listwarden.services.entries import NewEntry, add_entry
from listwarden.services.users import create_user


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


def make_cast(register: Register) -> Cast:
    uow = register.uow

    def user(name: str, role: Role, bcus: tuple[str, ...] = (), wide: bool = True) -> Actor:
        return create_user(uow=uow, actor_id=None, name=name, role=role, bcus=bcus, force_wide=wide)

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
