"""The synthetic Matrix: deterministic for a seed, calibrated to the published figures.

It builds the demo through the same services a force would use (lists authorised by a DPO,
entries added by an analyst), so the demo exercises the laws rather than bypassing them.
"""

from __future__ import annotations

import json
import os
import random
import secrets
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from rich.progress import Progress
from sqlalchemy import select

from listwarden.bootstrap import Register, open_register
from listwarden.demo.accounts import ACCOUNTS_FILE
from listwarden.demo.findings import Finding, replay_the_notice, write_compliance_report
from listwarden.demo.people import Person, make_person
from listwarden.demo.sharing import create_demo_sharing, write_identity
from listwarden.domain.access import Actor
from listwarden.domain.bcu import BOROUGHS_BY_BCU
from listwarden.domain.entries import age_on, is_child
from listwarden.domain.erasure import ERASED_TOKEN_STATEMENT
from listwarden.domain.errors import Conflict, Reason
from listwarden.domain.social_media import SocialMediaChecklist
from listwarden.domain.vocabulary import Role
from listwarden.services import grants, lists
from listwarden.services.access import course_of
from listwarden.services.entries import NewEntry, NewEvidence, NewIntelligence, add_entries
from listwarden.services.signin import enrol_totp, set_password
from listwarden.services.users import create_user, issue_token
from listwarden.settings import Settings
from listwarden.setup import initialise
from listwarden.store.tables import Entry, RegisterList, User

MATRIX = "Gangs Violence Matrix"
VICTIMS = "Victim Safeguarding List"
BATCH = 500

# Relative sizes of the BCUs' Matrix populations (synthetic, roughly by borough count).
BCU_WEIGHTS = {
    "CE": 12,
    "CN": 8,
    "AS": 13,
    "AW": 7,
    "EA": 8,
    "NA": 9,
    "NE": 11,
    "NW": 9,
    "SN": 8,
    "SE": 9,
    "SW": 4,
    "WA": 6,
}

SOURCE_TYPES = ("police", "partner_agency", "social_media", "open_source", "covert_human_source")
GRADES = ("1A P", "1B P", "2B P", "2C P", "3C P", "2B C", "1A C", "3D P", "2E P")
# Law 8: a social-media item carries its whole checklist (synthetic words, no real account).
SYNTHETIC_CHECKLIST = SocialMediaChecklist(
    platform="Synthetic video platform",
    attribution="Synthetic: account linked to the person by a recorded phone number",
    conduct="Synthetic: displays a weapon and threatens a rival group",
    relevance_to_violence="A threat of violence, not the genre of any music",
    corroboration="Synthetic: a second report from a different source",
)


@dataclass(frozen=True)
class DemoAccount:
    """A demo user's sign-in for the web pages: synthetic, printed so anyone can try each role."""

    account: str
    name: str
    password: str
    totp_secret: str


@dataclass
class DemoSummary:
    home: str
    lists: dict[str, str]
    entries_by_list: dict[str, int]
    by_bcu: dict[str, int]
    by_category: dict[str, int]
    by_band: dict[str, int]
    zero_score: int
    under_16: int
    under_18: int
    tokens: dict[str, str] = field(default_factory=dict)
    tokens_file: str = ""
    findings: list[Finding] = field(default_factory=list)
    compliance_report: str = ""
    accounts: dict[str, DemoAccount] = field(default_factory=dict)
    accounts_file: str = ""


def _band_and_score(rng: random.Random) -> tuple[str, int]:
    roll = rng.random()
    if roll < 0.40:
        return "green", 0
    if roll < 0.64:
        return "green", rng.randint(1, 14)
    if roll < 0.89:
        return "amber", rng.randint(15, 39)
    return "red", rng.randint(40, 120)


def _evidence(rng: random.Random, today: date, zero: bool) -> list[NewEvidence]:
    items = []
    for _ in range(rng.randint(1, 3)):
        victim = rng.random() < 0.15  # people on the Matrix are often victims themselves
        days_ago = rng.randint(200, 900) if zero else rng.randint(5, 700)
        items.append(
            NewEvidence(
                kind="incident" if victim else rng.choice(("offence", "offence", "incident")),
                role="victim" if victim else rng.choice(("perpetrator", "suspect")),
                occurred_on=today - timedelta(days=days_ago),
                description=f"Synthetic {'victimisation' if victim else 'offence'} record "
                f"#{rng.randint(10000, 99999)}",
                gang_related=not victim and rng.random() < 0.7,
            )
        )
    return items


def _intelligence(rng: random.Random, today: date) -> list[NewIntelligence]:
    items = []
    for _ in range(rng.randint(1, 3)):
        grade = rng.choice(GRADES)
        source = rng.choice(SOURCE_TYPES)
        items.append(
            NewIntelligence(
                grading=grade,
                source_type=source,
                source_ref=f"SRC-{rng.randint(1000, 9999)}",
                text=f"Synthetic intelligence report #{rng.randint(10000, 99999)}",
                reported_on=today - timedelta(days=rng.randint(1, 700)),
                handling_conditions="Not for onward disclosure without IRU consent"
                if grade.endswith("C")
                else None,
                checklist=SYNTHETIC_CHECKLIST if source == "social_media" else None,
            )
        )
    return items


def _ages(rng: random.Random) -> tuple[int, int]:
    roll = rng.random()
    if roll < 0.035:
        return 12, 15
    if roll < 0.11:
        return 16, 17
    return 18, 32


def _matrix_item(rng: random.Random, person: Person, today: date, iao: Actor) -> NewEntry:
    band, score = _band_and_score(rng)
    bcu = rng.choices(list(BCU_WEIGHTS), weights=list(BCU_WEIGHTS.values()))[0]
    child = is_child(person.date_of_birth, today)
    return NewEntry(
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        nicknames=person.nicknames,
        category="convicted" if rng.random() < 0.55 else "suspected",
        bcu=bcu,
        iao_approval_by=iao.id if child else None,
        safeguarding_referral=f"MASH-{rng.randint(100000, 999999)}" if child else None,
        score=score,
        band=band,
        evidence=_evidence(rng, today, score == 0),
        intelligence=_intelligence(rng, today),
        identity_code=person.identity_code,
        self_defined_ethnicity=person.self_defined_ethnicity,
    )


def _victim_item(rng: random.Random, person: Person, today: date, iao: Actor) -> NewEntry:
    child = is_child(person.date_of_birth, today)
    return NewEntry(
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        category=rng.choices(("victim", "at_risk", "witness"), weights=(70, 20, 10))[0],
        bcu=rng.choice(list(BOROUGHS_BY_BCU)),
        iao_approval_by=iao.id if child else None,
        safeguarding_referral=f"MASH-{rng.randint(100000, 999999)}" if child else None,
        identity_code=person.identity_code,
        self_defined_ethnicity=person.self_defined_ethnicity,
    )


def create_demo_users(register: Register) -> dict[Role, Actor]:
    uow = register.uow
    spec = {
        Role.IAO: ("Information Asset Owner (demo)", [], True),
        Role.DPO: ("Data Protection Officer (demo)", [], True),
        Role.DATA_BOARD: ("Data Board member (demo)", [], True),
        Role.IRU: ("Information Rights Unit officer (demo)", [], True),
        Role.ANALYST: ("Gangs analyst, Central East (demo)", ["CE", "NE"], False),
        Role.OFFICER: ("Officer, Central East (demo)", ["CE"], False),
        Role.EQUALITY_ANALYST: ("Equality analyst (demo)", [], True),
        Role.AUDITOR: ("Auditor (demo)", [], True),
        Role.ADMINISTRATOR: ("Administrator (demo)", [], True),
    }
    users = {
        role: create_user(uow=uow, actor_id=None, name=name, role=role, bcus=bcus, force_wide=wide)
        for role, (name, bcus, wide) in spec.items()
    }
    for user in users.values():
        _train(register, user.id, uow.access.mandatory_course)
    return users


def _train(register: Register, user_id: str, course: str) -> None:
    today = register.uow.today()
    grants.record_training(
        uow=register.uow,
        actor=None,
        user_id=user_id,
        course=course,
        completed_on=today,
        expires_on=today + timedelta(days=365),
    )


def admit_everyone(register: Register, list_id: str) -> None:
    """Give every demo user the list's course and a grant to it (law 7), as the IAO would."""
    with register.uow.read_only() as session:
        course = course_of(session.get_one(RegisterList, list_id))
        user_ids = list(session.scalars(select(User.id)))
    for user_id in user_ids:
        _train(register, user_id, course)
        grants.grant_access(uow=register.uow, actor=None, user_id=user_id, list_id=list_id)


def create_authorised_list(
    register: Register,
    *,
    owner: Actor,
    dpo: Actor,
    name: str,
    purposes: Sequence[str],
    categories: Sequence[str],
    description: str,
    notice: str,
) -> str:
    uow = register.uow
    list_id = lists.create_list(
        uow=uow,
        actor=owner,
        name=name,
        description=description,
        purposes=purposes,
        lawful_basis="DPA 2018 s.35(2)(b): necessary for the performance of a task carried "
        "out for a law enforcement purpose by a competent authority",
        categories=categories,
        holds_identity_codes=True,
        # A shipped schedule: the Matrix's for offenders, the safeguarding one for victims.
        retention_schedule_ref="retention/matrix.toml"
        if set(categories) <= {"suspected", "convicted"}
        else "retention/victim-safeguarding.toml",
        access_policy_ref="access/default.cedar",
        public_notice=notice,
    )
    lists.record_dpia(
        uow=uow,
        actor=owner,
        list_id=list_id,
        description=f"{name}: who is held, why, by whom, for how long.",
        risks="Stigmatisation; inaccurate association; disproportionate impact by ethnicity; "
        "unlawful onward sharing.",
        measures="Categories kept apart; two-source corroboration; retention sweep; "
        "governed disclosure under agreements; access log with signed checkpoints; loss "
        f"detection, for which, when a person is erased, {ERASED_TOKEN_STATEMENT}.",
        safeguards="Encryption at rest and in transit; access by grant with training; audits.",
        equality_impact="Monitored monthly by ethnic group against the census baseline.",
        prior_consultation="consulted",
        review_on=uow.today() + timedelta(days=365),
    )
    lists.approve_dpia(uow=uow, actor=dpo, list_id=list_id)
    lists.record_policy_document(
        uow=uow,
        actor=owner,
        list_id=list_id,
        kind="s42_appropriate_policy",
        schedule_8_condition="statutory_purposes",
        reference=f"APD/{name}/v1",
    )
    lists.authorise_list(uow=uow, actor=dpo, list_id=list_id)
    admit_everyone(register, list_id)
    return list_id


def _batches(items: Sequence[NewEntry]) -> Iterator[Sequence[NewEntry]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def generate_demo(
    settings: Settings, *, subjects: int = 3800, seed: int = 1, progress: bool = True
) -> DemoSummary:
    """Initialise ``settings.home`` and fill it with the synthetic Matrix and victims list."""
    initialise(settings)
    register = open_register(settings)
    try:
        with register.uow.read_only() as session:
            if session.scalar(select(RegisterList.id).where(RegisterList.name == MATRIX)):
                raise Conflict(
                    "this data directory already holds the demo",
                    reasons=[
                        Reason("demo-exists", "set LISTWARDEN_HOME to a new directory", "home")
                    ],
                )
        rng = random.Random(seed)
        today = register.uow.today()
        users = create_demo_users(register)
        iao, dpo = users[Role.IAO], users[Role.DPO]
        matrix_id = create_authorised_list(
            register,
            owner=iao,
            dpo=dpo,
            name=MATRIX,
            purposes=["gang_violence_reduction", "offender_management"],
            categories=["suspected", "convicted"],
            description="People assessed as gang nominals for violence reduction (synthetic).",
            notice="The Metropolitan Police keeps a list of people it assesses as involved in "
            "gang violence, to prioritise enforcement and diversion. You may ask whether "
            "you are on it, and ask for corrections or removal.",
        )
        victims_id = create_authorised_list(
            register,
            owner=iao,
            dpo=dpo,
            name=VICTIMS,
            purposes=["victim_safeguarding", "child_safeguarding"],
            categories=["victim", "at_risk", "witness"],
            description="Victims of and people at risk from gang violence, for safeguarding only.",
            notice="The Metropolitan Police keeps a list of people at risk from gang violence, "
            "only to protect them. It is never used for enforcement.",
        )
        matrix_people = [
            make_person(rng, today, min_age=a, max_age=b)
            for a, b in (_ages(rng) for _ in range(subjects))
        ]
        matrix_items = _dedupe([_matrix_item(rng, p, today, iao) for p in matrix_people])
        victim_people = [
            make_person(rng, today, min_age=12, max_age=40) for _ in range(subjects // 6)
        ]
        # About one in five victims is also on the Matrix: the mix the Commissioner criticised
        # is now kept apart, on two lists with different purposes.
        victim_people += rng.sample(matrix_people, k=subjects // 25)
        victim_items = _dedupe([_victim_item(rng, p, today, iao) for p in victim_people])
        # The IAO loads the demo: a force-wide collector, unlike the BCU-scoped analyst.
        _load(register, iao, matrix_id, "gang_violence_reduction", matrix_items, "Matrix", progress)
        _load(register, iao, victims_id, "victim_safeguarding", victim_items, "Victims", progress)
        under_16 = sum(1 for i in matrix_items if age_on(i.date_of_birth, today) < 16)
        tokens = {
            role.value: issue_token(uow=register.uow, user_id=actor.id)
            for role, actor in users.items()
        }
        tokens_file = _write_secret_json(settings.home / "demo-tokens.json", tokens)
        second_iru = create_user(
            uow=register.uow,
            actor_id=None,
            name="Information Rights Unit second approver (demo)",
            role=Role.IRU,
            force_wide=True,
        )
        _train(register, second_iru.id, register.uow.access.mandatory_course)
        shared = create_demo_sharing(register, users, second_iru)
        write_identity(settings.home, shared["identity"])
        replay_the_notice(register, users, matrix_id, shared, rng)
        accounts = _web_accounts(register, users)
        accounts_file = _write_secret_json(
            settings.home / ACCOUNTS_FILE,
            {role: asdict(account) for role, account in accounts.items()},
        )
        summary = _summary(
            register, {MATRIX: matrix_id, VICTIMS: victims_id}, tokens, tokens_file, under_16
        )
        summary.accounts, summary.accounts_file = accounts, accounts_file
        summary.findings, summary.compliance_report = write_compliance_report(register)
        return summary
    finally:
        register.close()


def _dedupe(items: list[NewEntry]) -> list[NewEntry]:
    """Drop accidental duplicates of the same synthetic name and date of birth."""
    seen: set[tuple[str, str, date]] = set()
    out = []
    for item in items:
        key = (item.given_name, item.family_name, item.date_of_birth)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _load(
    register: Register,
    actor: Actor,
    list_id: str,
    purpose: str,
    items: Sequence[NewEntry],
    label: str,
    progress: bool,
) -> None:
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task(f"Adding {label} entries", total=len(items))
        for batch in _batches(items):
            add_entries(
                uow=register.uow, actor=actor, list_id=list_id, purpose=purpose, items=batch
            )
            bar.advance(task, len(batch))


def _web_accounts(register: Register, users: dict[Role, Actor]) -> dict[str, DemoAccount]:
    """A password and an enrolled TOTP second factor for each demo user (for the web pages)."""
    accounts = {}
    with register.uow.read_only() as session:
        names = {u.id: u.name for u in session.scalars(select(User))}
    for role, actor in users.items():
        password = secrets.token_urlsafe(12)
        set_password(uow=register.uow, actor_id=None, user_id=actor.id, password=password)
        uri = enrol_totp(uow=register.uow, actor_id=None, user_id=actor.id)
        secret = parse_qs(urlsplit(uri).query)["secret"][0]
        accounts[role.value] = DemoAccount(actor.id, names[actor.id], password, secret)
    return accounts


def _write_secret_json(path: Path, value: object) -> str:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(value, handle, indent=2)
    return str(path.resolve())


def _summary(
    register: Register,
    list_ids: dict[str, str],
    tokens: dict[str, str],
    tokens_file: str,
    under_16: int,
) -> DemoSummary:
    with register.uow.read_only() as session:
        matrix = list_ids[MATRIX]
        rows = session.execute(
            select(
                Entry.list_id,
                Entry.bcu,
                Entry.category,
                Entry.band,
                Entry.score,
                Entry.child_at_entry,
            )
        ).all()
        by_list = Counter(r.list_id for r in rows)
        m_rows = [r for r in rows if r.list_id == matrix]
    return DemoSummary(
        home=str(register.settings.home.resolve()),
        lists=list_ids,
        entries_by_list={name: by_list[i] for name, i in list_ids.items()},
        by_bcu=dict(sorted(Counter(r.bcu for r in m_rows).items())),
        by_category=dict(sorted(Counter(r.category for r in rows).items())),
        by_band=dict(sorted(Counter(r.band or "none" for r in m_rows).items())),
        zero_score=sum(1 for r in m_rows if r.score == 0),
        under_16=under_16,
        under_18=sum(1 for r in m_rows if r.child_at_entry),
        tokens=tokens,
        tokens_file=tokens_file,
    )


def demo_people(*, subjects: int, seed: int, today: date) -> list[Person]:
    """The people ``generate_demo`` makes for a seed, without a database: the same draws in order.

    For tests that look for the generated names where they must not be. It replays the random
    sequence of ``generate_demo`` (Matrix people, their entries, the victims); a test checks it
    against a generated demo, so the two cannot drift apart unnoticed.
    """
    rng = random.Random(seed)
    nobody = Actor(id="demo", role=Role.IAO)
    matrix = [
        make_person(rng, today, min_age=a, max_age=b)
        for a, b in (_ages(rng) for _ in range(subjects))
    ]
    for person in matrix:
        _matrix_item(rng, person, today, nobody)
    victims = [make_person(rng, today, min_age=12, max_age=40) for _ in range(subjects // 6)]
    victims += rng.sample(matrix, k=subjects // 25)
    return matrix + victims
