"""Use cases that collect: putting people on a list, and recording evidence and intelligence.

Each checks the list's state (law 1), the category (law 2) and the child rules (law 10), encrypts
every personal value under the subject's own key, and appends a collection event per entry in
the same transaction (law 4).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import TypeVar, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from listwarden.domain import entries as rules
from listwarden.domain.access import Actor
from listwarden.domain.bcu import require_bcu
from listwarden.domain.entries import CheckedIntelligence
from listwarden.domain.errors import Conflict, InvalidInput, NotFound, Reason
from listwarden.domain.grading import parse_grading
from listwarden.domain.lists import ListAction, require_list_permits
from listwarden.domain.monitoring import (
    IdentityCode,
    SelfDefinedEthnicity,
    parse_identity_code,
    parse_self_defined,
)
from listwarden.domain.purposes import class_of
from listwarden.domain.social_media import SocialMediaChecklist, require_checklist
from listwarden.domain.vocabulary import (
    Category,
    EntryStatus,
    EvidenceKind,
    EvidenceRole,
    Nature,
    Operation,
    Purpose,
    Role,
    SourceType,
)
from listwarden.policy.engine import AccessAction, Context, EntryResource
from listwarden.services import equality_tallies
from listwarden.services.access import Authoriser, entry_resource, list_resource, refusal
from listwarden.services.events import add_events, build_event, record_event
from listwarden.services.lists import effective_status, get_list
from listwarden.services.reviews import after_collection, first_review_on
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.bulk import insert_rows
from listwarden.store.ids import new_id, new_ids
from listwarden.store.tables import (
    Base,
    Entry,
    EvidenceItem,
    IntelligenceItem,
    MonitoringRecord,
    RegisterList,
    Subject,
    User,
)


def _table(model: type[Base]) -> Table:
    """A model's table, for Core inserts of whole rows (see ``_insert``)."""
    return cast(Table, model.__table__)


_E = TypeVar("_E", Category, EvidenceKind, EvidenceRole, Nature, SourceType)


def _vocab(enum: type[_E], value: str, field_name: str) -> _E:
    try:
        return enum(value)
    except ValueError:
        raise InvalidInput(
            f"invalid {field_name} {value!r}",
            reasons=[
                Reason(
                    f"invalid-{field_name.replace('_', '-')}",
                    f"{field_name} must be one of: {', '.join(e.value for e in enum)}",
                    field_name,
                )
            ],
        ) from None


def _required(value: str | None, field_name: str) -> str:
    if value is None or not str(value).strip():
        raise InvalidInput(
            f"{field_name} is required",
            reasons=[Reason("missing-field", f"{field_name} is required", field_name)],
        )
    return str(value).strip()


@dataclass(frozen=True)
class NewEvidence:
    kind: str
    role: str
    occurred_on: date
    description: str
    nature: str = Nature.FACT.value
    gang_related: bool = False
    offence_class: str | None = None

    def row(
        self,
        uow: UnitOfWork,
        *,
        subject_id: str,
        entry_id: str,
        actor_id: str,
        at: datetime | None = None,
    ) -> dict[str, object]:
        """Validate and encrypt; the row for ``evidence_items``."""
        kind = _vocab(EvidenceKind, self.kind, "kind")
        role = _vocab(EvidenceRole, self.role, "role")
        nature = _vocab(Nature, self.nature, "nature")
        text = _required(self.description, "description")
        item_id = new_id()
        return {
            "id": item_id,
            "entry_id": entry_id,
            "kind": kind.value,
            "role": role.value,
            "occurred_on": self.occurred_on,
            "gang_related": self.gang_related,
            "nature": nature.value,
            "offence_class": self.offence_class,
            "description_ct": uow.cipher.seal(
                subject_id, "evidence_items", item_id, "description", text
            ),
            "recorded_by": actor_id,
            "recorded_at": at or uow.now(),
        }


@dataclass(frozen=True)
class NewIntelligence:
    grading: str
    source_type: str
    source_ref: str
    text: str
    reported_on: date
    nature: str = Nature.ASSESSMENT.value
    handling_conditions: str | None = None
    derived_from_id: str | None = None
    checklist: SocialMediaChecklist | None = None  # required for social media (law 8)

    def checked(self) -> CheckedIntelligence:
        """The item once every rule of collection has passed; refused naming what is wrong."""
        graded = parse_grading(self.grading, self.handling_conditions)
        source = _vocab(SourceType, self.source_type, "source_type")
        nature = _vocab(Nature, self.nature, "nature")
        ref = _required(self.source_ref, "source_ref")
        body = _required(self.text, "text")
        require_checklist(source, self.checklist)
        return CheckedIntelligence(
            graded,
            source,
            ref,
            body,
            self.reported_on,
            nature,
            self.derived_from_id,
            self.checklist,
        )

    def row(
        self,
        uow: UnitOfWork,
        *,
        subject_id: str,
        entry_id: str,
        actor_id: str,
        at: datetime | None = None,
    ) -> dict[str, object]:
        """Validate and encrypt; the row for ``intelligence_items``."""
        return intelligence_rows(
            uow, [(subject_id, entry_id, self.checked())], actor_id=actor_id, at=at
        )[0]


def intelligence_rows(
    uow: UnitOfWork,
    items: Sequence[tuple[str, str, CheckedIntelligence]],
    *,
    actor_id: str,
    at: datetime | None = None,
) -> list[dict[str, object]]:
    """Encrypt checked items, each ``(subject_id, entry_id, item)``: rows for
    ``intelligence_items``, in order (each text sealed under its subject's key, bound to its
    row, the whole batch sealed in one call)."""
    ids = new_ids(len(items))
    fields: list[tuple[str, str, str, str, str]] = []
    for item_id, (subject_id, _, item) in zip(ids, items, strict=True):
        fields.append((subject_id, "intelligence_items", item_id, "text", item.text))
        if item.checklist is not None:
            checklist = json.dumps(asdict(item.checklist), sort_keys=True)
            fields.append(
                (subject_id, "intelligence_items", item_id, "social_media_checklist", checklist)
            )
    sealed = iter(uow.cipher.seal_many(fields))
    at = at or uow.now()
    rows: list[dict[str, object]] = []
    for item_id, (_, entry_id, item) in zip(ids, items, strict=True):
        graded = item.grading
        rows.append(
            {
                "id": item_id,
                "entry_id": entry_id,
                "source_evaluation": graded.source,
                "intelligence_assessment": graded.intelligence,
                "handling_code": graded.handling,
                "handling_conditions": graded.conditions,
                "source_type": item.source_type.value,
                "source_ref": item.source_ref,
                "derived_from_id": item.derived_from_id,
                "nature": item.nature.value,
                "reported_on": item.reported_on,
                "text_ct": next(sealed),
                "social_media_checklist_ct": next(sealed) if item.checklist is not None else None,
                "recorded_by": actor_id,
                "recorded_at": at,
            }
        )
    return rows


@dataclass(frozen=True)
class NewEntry:
    """A person to put on a list, as the caller supplies them."""

    given_name: str
    family_name: str
    date_of_birth: date
    category: str
    bcu: str
    nicknames: Sequence[str] = ()
    address: str | None = None
    iao_approval_by: str | None = None
    safeguarding_referral: str | None = None
    score: int | None = None
    band: str | None = None
    evidence: Sequence[NewEvidence] = ()
    intelligence: Sequence[NewIntelligence] = ()
    identity_code: str | None = None
    self_defined_ethnicity: str | None = None


@dataclass(slots=True)
class Prepared:
    """A person about to be put on a list, every value checked against the rules of collection.

    Made by ``_prepare`` from a :class:`NewEntry`, or by the import from a row its row check
    passed (``domain.imports.RowChecker`` applies the same rules; a test holds the two to it).
    The names are trimmed, the date of birth is a date not in the future, the category is one
    the list holds, the BCU is known, a child has an IAO approval and a safeguarding referral
    (an adult's IAO approval is not kept), and each intelligence item is checked. What is
    written is built from these values without checking them again.
    """

    given_name: str
    family_name: str
    date_of_birth: date
    category: Category
    bcu: str
    child: bool
    index: bytes
    identity_code: IdentityCode
    self_defined: SelfDefinedEthnicity
    nicknames: Sequence[str] = ()
    address: str | None = None
    iao_approval_by: str | None = None
    safeguarding_referral: str | None = None
    score: int | None = None
    band: str | None = None
    evidence: Sequence[NewEvidence] = ()
    intelligence: Sequence[CheckedIntelligence] = ()
    subject_id: str = ""
    new_subject: bool = True
    entry_id: str = field(default_factory=new_id)


def _prepare(
    item: NewEntry,
    *,
    allowed: Sequence[Category],
    actor: Actor | None,
    today: date,
    uow: UnitOfWork,
) -> Prepared:
    given = _required(item.given_name, "given_name")
    family = _required(item.family_name, "family_name")
    if not isinstance(item.date_of_birth, date):
        raise InvalidInput(
            "date_of_birth must be a date",
            reasons=[Reason("invalid-date", "use YYYY-MM-DD", "date_of_birth")],
        )
    if item.date_of_birth > today:
        raise InvalidInput(
            "date_of_birth is in the future",
            reasons=[
                Reason("invalid-date", "a date of birth cannot be in the future", "date_of_birth")
            ],
        )
    category = _vocab(Category, _required(item.category, "category"), "category")
    rules.require_category_on_list(category, allowed)
    require_bcu(item.bcu)
    child = rules.is_child(item.date_of_birth, today)
    rules.require_child_safeguards(
        child=child,
        iao_approval_by=item.iao_approval_by,
        safeguarding_referral=item.safeguarding_referral,
    )
    return Prepared(
        given,
        family,
        item.date_of_birth,
        category,
        item.bcu,
        child,
        uow.blind_index.name_dob(given, family, item.date_of_birth),
        parse_identity_code(item.identity_code),
        parse_self_defined(item.self_defined_ethnicity),
        nicknames=tuple(item.nicknames),
        address=item.address,
        iao_approval_by=item.iao_approval_by if child else None,
        safeguarding_referral=item.safeguarding_referral,
        score=item.score,
        band=item.band,
        evidence=item.evidence,
        intelligence=tuple(i.checked() for i in item.intelligence),
    )


def _require_iao_approvers(session: Session, prepared: Sequence[Prepared]) -> None:
    approvers = {p.iao_approval_by for p in prepared if p.child and p.iao_approval_by}
    found = active_iao_ids(session, approvers)
    missing = approvers - found
    if missing:
        raise InvalidInput(
            "the approval of a child's entry must be recorded by an IAO",
            reasons=[
                Reason(
                    "iao-approval-invalid", "iao_approval must name an active IAO", "iao_approval"
                )
            ],
        )


def _subject_rows(
    uow: UnitOfWork, prepared: Sequence[Prepared], now: datetime
) -> list[dict[str, object]]:
    """New people's rows, each field sealed under that person's own key, bound to its row."""
    fields: list[tuple[str, str, str, str, str]] = []
    add = fields.append
    for p in prepared:
        sid = p.subject_id
        add((sid, "subjects", sid, "given_name", p.given_name))
        add((sid, "subjects", sid, "family_name", p.family_name))
        add((sid, "subjects", sid, "date_of_birth", p.date_of_birth.isoformat()))
        if p.nicknames:
            add((sid, "subjects", sid, "nicknames", "\n".join(p.nicknames)))
        if p.address:
            add((sid, "subjects", sid, "address", p.address))
    sealed = iter(uow.cipher.seal_many(fields))
    return [
        {  # in the order sealed: a dict's values are evaluated left to right
            "id": p.subject_id,
            "given_name_ct": next(sealed),
            "family_name_ct": next(sealed),
            "date_of_birth_ct": next(sealed),
            "nicknames_ct": next(sealed) if p.nicknames else None,
            "address_ct": next(sealed) if p.address else None,
            "name_dob_index": p.index,
            "created_at": now,
        }
        for p in prepared
    ]


def _monitoring_rows(uow: UnitOfWork, prepared: Sequence[Prepared]) -> list[dict[str, object]]:
    """New people's monitoring records, sealed under the equality key, never the subject's."""
    ids = new_ids(len(prepared))
    fields: list[tuple[str, str, str]] = []
    add = fields.append
    for record_id, p in zip(ids, prepared, strict=True):
        add((record_id, "identity_code", p.identity_code.value))
        add((record_id, "self_defined_ethnicity", p.self_defined.value))
        add((record_id, "birth_month", birth_month(p.date_of_birth)))
    sealed = iter(uow.cipher.seal_monitoring_many(fields))
    return [
        {
            "id": record_id,
            "subject_id": p.subject_id,
            "identity_code_ct": next(sealed),
            "self_defined_ethnicity_ct": next(sealed),
            "birth_month_ct": next(sealed),
        }
        for record_id, p in zip(ids, prepared, strict=True)
    ]


def birth_month(date_of_birth: date) -> str:
    """The ``YYYY-MM`` a monitoring record and the equality tally keep of a date of birth."""
    return date_of_birth.strftime("%Y-%m")


def add_entries(
    *,
    uow: UnitOfWork,
    actor: Actor,
    list_id: str,
    purpose: str,
    items: Sequence[NewEntry],
) -> list[str]:
    """Put people on a list in one transaction; all of them go on, or none do.

    A person already held (same name and date of birth, found by blind index) is reused, so a
    subject is held once however many lists they are on.
    """
    purpose_class = class_of(purpose)  # refuses anything outside the vocabulary
    purpose_value = Purpose(purpose)
    attempt = Attempt(
        Operation.COLLECT,
        actor.id,
        list_id,
        purpose=purpose_value.value,
        purpose_class=purpose_class.value,
    )
    with uow.transaction(attempt) as session:
        register_list = list_open_for_collection(session, uow, list_id, purpose_value)
        allowed = [Category(c) for c in register_list.categories]
        today = uow.today()
        prepared = [_prepare(i, allowed=allowed, actor=actor, today=today, uow=uow) for i in items]
        return collect_prepared(session, uow, actor, register_list, purpose_value, prepared)


def list_open_for_collection(
    session: Session, uow: UnitOfWork, list_id: str, purpose: Purpose
) -> RegisterList:
    """The list, if it is authorised (law 1) and kept for ``purpose``; refused otherwise."""
    register_list = get_list(session, list_id)
    require_list_permits(effective_status(session, register_list, uow.today()), ListAction.COLLECT)
    if purpose.value not in register_list.purposes:
        raise InvalidInput(
            "the list is not kept for that purpose",
            reasons=[
                Reason(
                    "purpose-not-declared",
                    "the list declares: " + ", ".join(register_list.purposes),
                    "purpose",
                )
            ],
        )
    return register_list


def prepare_entry(item: NewEntry, *, register_list: RegisterList, uow: UnitOfWork) -> Prepared:
    """Check one person against the list's categories and the child rules, and index them."""
    allowed = [Category(c) for c in register_list.categories]
    return _prepare(item, allowed=allowed, actor=None, today=uow.today(), uow=uow)


def collect_prepared(
    session: Session,
    uow: UnitOfWork,
    actor: Actor,
    register_list: RegisterList,
    purpose: Purpose,
    prepared: Sequence[Prepared],
    *,
    import_id: str | None = None,
    review_by: date | None = None,
    subjects_resolved: bool = False,
) -> list[str]:
    """Authorise, resolve and insert prepared people inside the caller's transaction.

    ``import_id`` marks each entry as brought in by that import and legacy-unreviewed;
    ``review_by`` brings a first review the schedule would set later forward to that day.
    ``subjects_resolved`` says the caller has already matched each person by blind index in
    this transaction (``subject_id`` and ``new_subject`` set) and kept back anyone already on
    the list or given twice, as the import does for its own report.
    """
    authorise_collection(session, uow, actor, register_list, purpose, prepared)
    _require_iao_approvers(session, prepared)
    if not subjects_resolved:
        _resolve_subjects(session, register_list, prepared)
    return _insert(
        session,
        uow,
        actor,
        register_list,
        purpose,
        prepared,
        import_id=import_id,
        review_by=review_by,
    )


def active_iao_ids(session: Session, ids: Collection[str]) -> set[str]:
    """Those of ``ids`` that name an active IAO (the only role that approves a child's entry)."""
    if not ids:
        return set()
    return set(
        session.scalars(
            select(User.id).where(
                User.id.in_(list(ids)), User.role == Role.IAO.value, User.active.is_(True)
            )
        )
    )


def _resolve_subjects(
    session: Session, register_list: RegisterList, prepared: Sequence[Prepared]
) -> None:
    existing: dict[bytes, str] = {}
    indexes = list({p.index for p in prepared})
    for start in range(0, len(indexes), 500):
        chunk = indexes[start : start + 500]
        for subject_id, index in session.execute(
            select(Subject.id, Subject.name_dob_index).where(Subject.name_dob_index.in_(chunk))
        ):
            existing[index] = subject_id
    if existing:
        on_list = set(
            session.scalars(
                select(Entry.subject_id).where(
                    Entry.list_id == register_list.id, Entry.subject_id.in_(list(existing.values()))
                )
            )
        )
    else:
        on_list = set()
    seen: dict[bytes, str] = {}
    for p in prepared:
        sid: str | None = existing.get(p.index) or seen.get(p.index)
        if sid in on_list or (p.index in seen):
            raise Conflict(
                "the person is already on this list",
                reasons=[Reason("already-listed", "one person, one entry per list", "subject")],
            )
        p.new_subject = sid is None
        p.subject_id = sid or new_id()
        seen[p.index] = p.subject_id


def _insert(
    session: Session,
    uow: UnitOfWork,
    actor: Actor,
    register_list: RegisterList,
    purpose: Purpose,
    prepared: Sequence[Prepared],
    *,
    import_id: str | None = None,
    review_by: date | None = None,
) -> list[str]:
    # Whole rows (absent values as NULL), one executemany per table (``store.bulk``), where the
    # ORM's bulk insert would split a batch wherever the optional columns change.
    now, today = uow.now(), uow.today()
    due = first_review_on(register_list.retention_schedule_ref, today)
    new_subjects = [p for p in prepared if p.new_subject]
    if new_subjects:
        uow.cipher.new_subject_keys([p.subject_id for p in new_subjects])
    if new_subjects:
        insert_rows(session, _table(Subject), _subject_rows(uow, new_subjects, now))
        insert_rows(session, _table(MonitoringRecord), _monitoring_rows(uow, new_subjects))
    insert_rows(
        session,
        _table(Entry),
        [
            {
                "id": p.entry_id,
                "list_id": register_list.id,
                "subject_id": p.subject_id,
                "category": p.category.value,
                "bcu": p.bcu,
                "status": EntryStatus.ACTIVE.value,
                "added_on": today,
                "added_by": actor.id,
                "next_review_on": _first_review(p, due, today, review_by),
                "child_at_entry": p.child,
                "iao_approval_by": p.iao_approval_by,
                "safeguarding_referral_ct": (
                    uow.cipher.seal(
                        p.subject_id,
                        "entries",
                        p.entry_id,
                        "safeguarding_referral",
                        p.safeguarding_referral,
                    )
                    if p.safeguarding_referral
                    else None
                ),
                "score": p.score,
                "band": p.band,
                "legacy_unreviewed": import_id is not None,
                "import_id": import_id,
            }
            for p in prepared
        ],
    )
    evidence = [
        e.row(uow, subject_id=p.subject_id, entry_id=p.entry_id, actor_id=actor.id, at=now)
        for p in prepared
        for e in p.evidence
    ]
    if evidence:
        insert_rows(session, _table(EvidenceItem), evidence)
    intelligence = intelligence_rows(
        uow,
        [(p.subject_id, p.entry_id, i) for p in prepared for i in p.intelligence],
        actor_id=actor.id,
        at=now,
    )
    if intelligence:
        insert_rows(session, _table(IntelligenceItem), intelligence)
    # One collection event an entry, each the event build_event makes for it: they differ
    # only in the entry and subject they name.
    event = build_event(
        at=now,
        operation=Operation.COLLECT,
        actor_id=actor.id,
        list_id=register_list.id,
        purpose=purpose,
        purpose_class=class_of(purpose).value,
    )
    add_events(
        session, [{**event, "entry_id": p.entry_id, "subject_id": p.subject_id} for p in prepared]
    )
    _count_for_equality(session, uow, register_list.id, prepared)
    after_collection(
        session,
        list_id=register_list.id,
        entries=[(p.entry_id, p.subject_id, p.new_subject) for p in prepared],
        today=today,
        at=now,
    )
    return [p.entry_id for p in prepared]


def _count_for_equality(
    session: Session, uow: UnitOfWork, list_id: str, prepared: Sequence[Prepared]
) -> None:
    """Add the new entries to the list's sealed equality tally (law 9), after inserting them.

    A new person's monitoring values are the ones just sealed; a person already held has their
    record opened, as the report would count it.
    """
    today = uow.today()
    known = equality_tallies.monitoring_of(
        session, uow.cipher, [p.subject_id for p in prepared if not p.new_subject]
    )
    counts: Counter[tuple[str, str, str | None, equality_tallies.Monitoring | None]] = Counter()
    for p in prepared:
        record = (
            (birth_month(p.date_of_birth), p.identity_code.value, p.self_defined.value)
            if p.new_subject
            else known.get(p.subject_id)
        )
        counts[(p.category.value, p.bcu, p.band, record)] += 1  # a batch repeats its cells
    equality_tallies.apply(
        session,
        uow,
        [
            (list_id, equality_tallies.cell_of(category, bcu, band, record, today), n)
            for (category, bcu, band, record), n in counts.items()
        ],
    )


def _first_review(
    p: Prepared, due: Callable[[Category, bool], date] | None, today: date, review_by: date | None
) -> date:
    """By the list's schedule (the collection default until it names one), capped at
    ``review_by``."""
    first = due(p.category, p.child) if due else rules.next_review_on(added_on=today, child=p.child)
    return min(first, review_by) if review_by is not None else first


def add_entry(*, uow: UnitOfWork, actor: Actor, list_id: str, purpose: str, item: NewEntry) -> str:
    return add_entries(uow=uow, actor=actor, list_id=list_id, purpose=purpose, items=[item])[0]


def authorise_collection(
    session: Session,
    uow: UnitOfWork,
    actor: Actor,
    register_list: RegisterList,
    purpose: Purpose,
    prepared: Sequence[Prepared],
) -> None:
    """Every person to be put on the list is decided by the policy engine before any is."""
    on_list = list_resource(register_list)
    resources = [EntryResource(p.entry_id, on_list, p.bcu, p.category) for p in prepared]
    decisions = Authoriser(session, uow, actor).decide_many(
        AccessAction.ENTRY_COLLECT, resources, Context(purpose=purpose)
    )
    for decision in decisions:
        if not decision.allowed:
            raise refusal(decision)


def _entry_for_collection(
    session: Session, uow: UnitOfWork, actor: Actor, entry_id: str, purpose: Purpose
) -> tuple[Entry, RegisterList]:
    entry = session.get(Entry, entry_id)
    if entry is None:
        raise NotFound(
            f"no entry {entry_id}", reasons=[Reason("entry-not-found", entry_id, "entry_id")]
        )
    register_list = get_list(session, entry.list_id)
    Authoriser(session, uow, actor).require(
        AccessAction.ENTRY_ALTER, entry_resource(entry, register_list), Context(purpose=purpose)
    )
    require_list_permits(effective_status(session, register_list, uow.today()), ListAction.COLLECT)
    return entry, register_list


def add_evidence(
    *, uow: UnitOfWork, actor: Actor, entry_id: str, purpose: str, item: NewEvidence
) -> str:
    """Attach an evidence item (an offence or incident) with the subject's role in it."""
    return _attach(
        uow=uow,
        actor=actor,
        entry_id=entry_id,
        purpose=purpose,
        item=item,
        table=EvidenceItem,
        what="evidence added",
    )


def add_intelligence(
    *, uow: UnitOfWork, actor: Actor, entry_id: str, purpose: str, item: NewIntelligence
) -> str:
    """Attach a graded intelligence item with its source type and pseudonymised reference."""
    return _attach(
        uow=uow,
        actor=actor,
        entry_id=entry_id,
        purpose=purpose,
        item=item,
        table=IntelligenceItem,
        what="intelligence added",
    )


def _attach(
    *,
    uow: UnitOfWork,
    actor: Actor,
    entry_id: str,
    purpose: str,
    item: NewEvidence | NewIntelligence,
    table: type[EvidenceItem] | type[IntelligenceItem],
    what: str,
) -> str:
    purpose_class = class_of(purpose)
    attempt = Attempt(
        Operation.ALTER,
        actor.id,
        entry_id=entry_id,
        purpose=purpose,
        purpose_class=purpose_class.value,
    )
    with uow.transaction(attempt) as session:
        entry, register_list = _entry_for_collection(
            session, uow, actor, entry_id, Purpose(purpose)
        )
        row = item.row(uow, subject_id=entry.subject_id, entry_id=entry.id, actor_id=actor.id)
        derived = row.get("derived_from_id")
        if derived is not None:
            parent = session.get(IntelligenceItem, derived)
            if parent is None or parent.entry_id != entry.id:
                raise InvalidInput(
                    "derived_from must name an item on the same entry",
                    reasons=[
                        Reason(
                            "invalid-derived-from", "unknown intelligence item", "derived_from_id"
                        )
                    ],
                )
        session.execute(insert(table), [row])
        record_event(
            session,
            at=uow.now(),
            operation=Operation.ALTER,
            actor_id=actor.id,
            list_id=register_list.id,
            entry_id=entry.id,
            subject_id=entry.subject_id,
            purpose=Purpose(purpose),
            reason=what,
        )
        return str(row["id"])
