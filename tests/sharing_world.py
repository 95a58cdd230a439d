"""A world to share in: a Matrix, two IRU officers, an approved recipient and agreement."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from pyrage import x25519

from listwarden.bootstrap import Register
from listwarden.domain.access import Actor
from listwarden.domain.vocabulary import Role
from listwarden.services import grants, sharing
from listwarden.services.disclosures import DisclosureAsk
from listwarden.services.users import create_user
from tests.factories import Cast, add_person, authorised_list, make_cast, train

ENFORCE = "gang_violence_reduction"
FIELDS = ("entry_id", "given_name", "family_name", "date_of_birth", "band", "score")


@dataclass
class SharingWorld:
    register: Register
    cast: Cast
    iru2: Actor
    matrix: str
    entries: list[str]
    identity: x25519.Identity
    recipient: str
    agreement: str

    def ask(self, entries: list[str] | None = None, **changes: Any) -> DisclosureAsk:
        ids = list(self.entries if entries is None else entries)
        ask = DisclosureAsk(
            recipient_id=self.recipient,
            agreement_id=self.agreement,
            purpose=ENFORCE,
            entry_ids=ids,
            fields=[*list(FIELDS), "address"],
            justification="joint housing enforcement review, case HX/2026/4",
            entry_justifications={i: f"tenancy enforcement for {i}" for i in ids},
        )
        return replace(ask, **changes)


def terms(parties: list[str], today: date, **changes: Any) -> sharing.NewAgreement:
    base = sharing.NewAgreement(
        title="Housing enforcement DSA",
        parties=parties,
        purposes=[ENFORCE],
        lawful_basis="DPA 2018 s.35(2)(b); Crime and Disorder Act 1998 s.115",
        categories=["suspected", "convicted"],
        bands=["red", "amber"],
        fields=list(FIELDS),
        recipient_retention_days=90,
        recipient_deletion="secure deletion and a certificate to the IRU",
        security_conditions="named officers, encrypted storage, no onward sharing",
        valid_from=today - timedelta(days=1),
        valid_until=today + timedelta(days=365),
        review_on=today + timedelta(days=180),
    )
    return replace(base, **changes)


def second_iru(register: Register, cast: Cast, lists: list[str]) -> Actor:
    uow = register.uow
    made = create_user(uow=uow, actor_id=None, name="Ida Rights", role=Role.IRU, force_wide=True)
    train(register, made.id, uow.access.mandatory_course)
    for list_id in lists:
        train(register, made.id, f"list:{list_id}")
        grants.grant_access(uow=uow, actor=None, user_id=made.id, list_id=list_id)
    return made


def new_recipient(
    world_register: Register, cast: Cast, approver: Actor, name: str, **kwargs: Any
) -> tuple[str, x25519.Identity]:
    identity = x25519.Identity.generate()
    fields: dict[str, Any] = {
        "kind": "statutory",
        "notice_contact": "information.governance@borough.example",
        "age_public_key": str(identity.to_public()),
        "statutory_function": "local_authority_housing",
    } | kwargs
    recipient_id = sharing.register_recipient(
        uow=world_register.uow, actor=cast.iru, name=name, **fields
    )
    sharing.approve_recipient(uow=world_register.uow, actor=approver, recipient_id=recipient_id)
    return recipient_id, identity


def approved_agreement(register: Register, cast: Cast, parties: list[str], **changes: Any) -> str:
    uow = register.uow
    agreement_id = sharing.draft_agreement(
        uow=uow, actor=cast.iao, terms=terms(parties, uow.today(), **changes)
    )
    sharing.approve_agreement(uow=uow, actor=cast.iru, agreement_id=agreement_id)
    return agreement_id


def sharing_world(register: Register, *, people: int = 3, **kwargs: Any) -> SharingWorld:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    iru2 = second_iru(register, cast, [matrix])
    entries = [
        add_person(register, cast, matrix, n=n, band="red" if n % 2 else "amber", score=30 + n)
        for n in range(people)
    ]
    recipient, identity = new_recipient(register, cast, iru2, "Borough Housing Department")
    agreement = approved_agreement(register, cast, [recipient], **kwargs)
    return SharingWorld(register, cast, iru2, matrix, entries, identity, recipient, agreement)
