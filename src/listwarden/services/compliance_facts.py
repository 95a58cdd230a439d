"""Law 12's evidence: fill ``ComplianceFacts`` from the register's own records.

Every query returns identifiers and counts, never a name or a decrypted value (the birth dates
of entries listed as children are opened to tell who is still under 18, and dropped). A fact
stays None only where its capability is absent from the register, so its check reports
"not yet evidenced" rather than a pass. Other subjects add their facts through ``extra``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import LargeBinary, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from listwarden.crypto.envelope import NONCE_BYTES, TAG_BYTES, VERSION
from listwarden.domain.compliance import ComplianceFacts
from listwarden.domain.corroboration import Determination, IntelligenceSource, corroboration
from listwarden.domain.entries import is_child
from listwarden.domain.vocabulary import EntryStatus, ListStatus, Operation, SourceType
from listwarden.services.access import course_of, grant_is_current
from listwarden.services.retention import entries_due_for_removal
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.dlp_tables import LossFinding
from listwarden.store.tables import (
    AgreementRow,
    AssessmentRow,
    Base,
    DisclosureRow,
    Dpia,
    Entry,
    Event,
    FrameworkActivation,
    FrameworkTrial,
    Grant,
    IntelligenceItem,
    LogCosignature,
    MonitoringRecord,
    RegisterList,
    Review,
    Subject,
    SubjectRequestRow,
    TrainingRecord,
    User,
)

QUARTER_DAYS = 92  # law 10: a child's entry is reviewed at least once a quarter
SEALED_MIN_BYTES = 1 + NONCE_BYTES + TAG_BYTES
# Lists whose data is live: a suspended list still holds entries (and its DPIA is the finding).
HOLDING = (ListStatus.AUTHORISED.value, ListStatus.SUSPENDED.value)
FactQuery = Callable[[Session, UnitOfWork], ComplianceFacts]


def gather_facts(
    *, uow: UnitOfWork, extra: Iterable[FactQuery] = (), verify_log: bool = True
) -> ComplianceFacts:
    """Every fact the register's capabilities can evidence today, read in one transaction.

    ``extra`` adds the facts of other subjects (guidance, audits): each query returns a copy of
    the facts with its own fields filled. The access log is verified in full unless
    ``verify_log`` is False (the benchmark measures the report's own queries).
    """
    today, now = uow.today(), uow.now()
    with uow.read_only() as session:
        facts = ComplianceFacts(
            lists_without_current_dpia=_lists_without_current_dpia(session, today),
            frameworks_active_without_equality_trial=_frameworks_without_trial(session),
            entries_overdue_for_review=_ids(
                session,
                select(Entry.id).where(
                    Entry.status == EntryStatus.ACTIVE.value, Entry.next_review_on < today
                ),
            ),
            entries_with_disallowed_category=_disallowed_categories(session),
            uncorroborated_nominals=_uncorroborated_nominals(session),
            social_media_items_without_checklist=_ids(
                session,
                select(IntelligenceItem.id).where(
                    IntelligenceItem.source_type == SourceType.SOCIAL_MEDIA.value,
                    IntelligenceItem.social_media_checklist_ct.is_(None),
                ),
            ),
            child_entries_missing_safeguards=_children_missing_safeguards(session, uow, today),
            entries_without_monitoring_record=_entries_without_monitoring_record(session),
            fields_stored_unencrypted=_fields_stored_unencrypted(session),
        )
        facts = _merge(facts, _access_facts(session, uow, today, now))
        facts = _merge(facts, _sharing_facts(session))
        facts = _merge(facts, _rights_facts(session, today))
        facts = _merge(facts, _loss_facts(session))
        for query in extra:
            facts = _merge(facts, query(session, uow))
    facts = replace(facts, zero_score_entries_past_removal=tuple(entries_due_for_removal(uow=uow)))
    return _merge(facts, _log_facts(uow, verify=verify_log))


def _merge(facts: ComplianceFacts, more: ComplianceFacts) -> ComplianceFacts:
    """``facts`` with every field ``more`` has filled."""
    filled = {k: v for k, v in vars(more).items() if v is not None}
    return replace(facts, **filled)


def _ids(session: Session, query: Select[Any]) -> tuple[str, ...]:
    return tuple(sorted(session.scalars(query)))


def _entries_without_monitoring_record(session: Session) -> tuple[str, ...]:
    """Entries whose person has no monitoring record (law 9: they are counted as unknown).

    First the people, by NOT EXISTS over the two subject_id indexes alone (an outer join
    fetched every record's row: ten times slower at a million entries), then their entries.
    """
    recorded = (
        select(MonitoringRecord.subject_id)
        .where(MonitoringRecord.subject_id == Entry.subject_id)
        .exists()
    )
    people = list(session.scalars(select(Entry.subject_id).where(~recorded).distinct()))
    found: list[str] = []
    for start in range(0, len(people), 500):
        chunk = people[start : start + 500]
        found.extend(session.scalars(select(Entry.id).where(Entry.subject_id.in_(chunk))))
    return tuple(sorted(found))


def _lists_without_current_dpia(session: Session, today: date) -> tuple[str, ...]:
    """Lists holding data whose DPIA is missing, unapproved or past its review date."""
    query = (
        select(RegisterList.id)
        .outerjoin(Dpia, Dpia.list_id == RegisterList.id)
        .where(
            RegisterList.status.in_(HOLDING),
            or_(Dpia.id.is_(None), Dpia.approved_at.is_(None), Dpia.review_on < today),
        )
    )
    return _ids(session, query)


def _frameworks_without_trial(session: Session) -> tuple[str, ...]:
    """Lists scored by a framework version with no trial by ethnic group the DPO signed off.

    Activation already requires the sign-off; this also catches an activation whose trial was
    of another version, and scores stored under a framework never activated on the list.
    """
    unsigned = (
        select(FrameworkActivation.list_id)
        .join(FrameworkTrial, FrameworkTrial.id == FrameworkActivation.trial_id)
        .where(
            or_(
                FrameworkTrial.signed_off_at.is_(None),
                FrameworkTrial.framework_version != FrameworkActivation.framework_version,
            )
        )
    )
    active = (
        select(FrameworkActivation.id)
        .where(
            FrameworkActivation.list_id == Entry.list_id,
            FrameworkActivation.framework == AssessmentRow.framework,
            FrameworkActivation.framework_version == AssessmentRow.framework_version,
        )
        .exists()
    )
    scored = (
        select(Entry.list_id)
        .join(AssessmentRow, AssessmentRow.entry_id == Entry.id)
        .where(~active)
        .distinct()
    )
    return tuple(sorted(set(session.scalars(unsigned)) | set(session.scalars(scored))))


def _disallowed_categories(session: Session) -> tuple[str, ...]:
    found: list[str] = []
    for list_id, allowed in session.execute(select(RegisterList.id, RegisterList.categories)):
        found.extend(
            session.scalars(
                select(Entry.id).where(
                    Entry.list_id == list_id, Entry.category.not_in(list(allowed or []))
                )
            )
        )
    return tuple(sorted(found))


def _uncorroborated_nominals(session: Session) -> tuple[str, ...]:
    """Entries recorded as gang members whose intelligence no longer corroborates them."""
    nominals = list(
        session.scalars(
            select(Entry.id).where(Entry.determination == Determination.GANG_MEMBER.value)
        )
    )
    sources: dict[str, list[IntelligenceSource]] = {e: [] for e in nominals}
    for start in range(0, len(nominals), 500):
        chunk = nominals[start : start + 500]
        for row in session.execute(
            select(
                IntelligenceItem.entry_id,
                IntelligenceItem.id,
                IntelligenceItem.source_ref,
                IntelligenceItem.derived_from_id,
            ).where(IntelligenceItem.entry_id.in_(chunk))
        ):
            sources[row.entry_id].append(
                IntelligenceSource(row.id, row.source_ref, row.derived_from_id)
            )
    return tuple(sorted(e for e, items in sources.items() if not corroboration(items).corroborated))


def _children_missing_safeguards(session: Session, uow: UnitOfWork, today: date) -> tuple[str, ...]:
    """Child entries with no IAO approval or referral, or, while under 18, no quarterly review."""
    last_review = (
        select(func.max(Review.reviewed_on)).where(Review.entry_id == Entry.id).scalar_subquery()
    )
    rows = session.execute(
        select(
            Entry.id,
            Entry.subject_id,
            Entry.iao_approval_by,
            Entry.safeguarding_referral_ct,
            Entry.added_on,
            Entry.next_review_on,
            last_review.label("last_review"),
            Subject.date_of_birth_ct,
        )
        .join(Subject, Subject.id == Entry.subject_id)
        .where(Entry.child_at_entry.is_(True))
    ).all()
    if not rows:
        return ()
    births = uow.cipher.open_many(
        (r.subject_id, "subjects", r.subject_id, "date_of_birth", r.date_of_birth_ct) for r in rows
    )
    found = []
    for row, born in zip(rows, births, strict=True):
        quarter_from = max(d for d in (row.added_on, row.last_review) if d is not None)
        unreviewed = (
            row.next_review_on > quarter_from + timedelta(days=QUARTER_DAYS)
            or today > quarter_from + timedelta(days=QUARTER_DAYS)
        ) and is_child(date.fromisoformat(born), today)
        if row.iao_approval_by is None or row.safeguarding_referral_ct is None or unreviewed:
            found.append(row.id)
    return tuple(sorted(found))


def _sealed_columns() -> list[tuple[str, str]]:
    """Every ``*_ct`` column of the schema: each must hold an AES-GCM envelope."""
    return sorted(
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.name.endswith("_ct")
    )


def _fields_stored_unencrypted(session: Session) -> tuple[str, ...]:
    """``table.column`` of each sealed column holding any value that is not an envelope.

    One scan a table for all its sealed columns, not one a column.
    """
    header = literal(bytes([VERSION]), LargeBinary)
    by_table: dict[str, list[str]] = {}
    for table_name, column_name in _sealed_columns():
        by_table.setdefault(table_name, []).append(column_name)
    found: list[str] = []
    for table_name, column_names in by_table.items():
        table = Base.metadata.tables[table_name]
        clear = [
            func.coalesce(
                func.sum(
                    case(
                        (
                            and_(
                                table.c[name].is_not(None),
                                or_(
                                    func.length(table.c[name]) < SEALED_MIN_BYTES,
                                    func.substr(table.c[name], 1, 1) != header,
                                ),
                            ),
                            1,
                        ),
                        else_=0,
                    )
                ),
                0,
            )
            for name in column_names
        ]
        counts = session.execute(select(*clear).select_from(table)).one()
        found.extend(
            f"{table_name}.{name.removesuffix('_ct')}"
            for name, n in zip(column_names, counts, strict=True)
            if n
        )
    return tuple(sorted(found))


def _access_facts(session: Session, uow: UnitOfWork, today: date, now: datetime) -> ComplianceFacts:
    """Law 7: lapsed training, untrained gang-unit staff, stale grants, leavers with access."""
    lapse = timedelta(days=uow.access.grant_lapse_days)
    mandatory = uow.access.mandatory_course
    courses: dict[str, set[str]] = {}
    for user_id, course in session.execute(
        select(TrainingRecord.user_id, TrainingRecord.course).where(
            TrainingRecord.completed_on <= today, TrainingRecord.expires_on >= today
        )
    ):
        courses.setdefault(user_id, set()).add(course)
    live = session.execute(
        select(Grant, User, RegisterList)
        .join(User, User.id == Grant.user_id)
        .join(RegisterList, RegisterList.id == Grant.list_id)
        .where(Grant.revoked_at.is_(None), Grant.expires_at > now)
    ).all()
    lapsed_training, stale, leavers = set(), [], set()
    for grant, user, register_list in live:
        held = courses.get(user.id, set())
        if not user.active or user.left_at is not None:
            leavers.add(user.id)
        if grant_is_current(grant, now, lapse):
            if mandatory not in held or course_of(register_list) not in held:
                lapsed_training.add(user.id)
        else:
            stale.append(grant.id)
    gang_unit = session.scalars(
        select(User.id).where(and_(User.gang_unit.is_(True), User.active.is_(True)))
    )
    return ComplianceFacts(
        users_with_access_lapsed_training=tuple(sorted(lapsed_training)),
        gang_unit_staff_without_mandatory_course=tuple(
            sorted(u for u in gang_unit if mandatory not in courses.get(u, set()))
        ),
        grants_unused_beyond_limit=tuple(sorted(stale)),
        leavers_with_access=tuple(sorted(leavers)),
    )


def _sharing_facts(session: Session) -> ComplianceFacts:
    """Law 6: disclosures beyond their agreement's terms, and agreements used out of term.

    The disclosure service refuses both; these find what reached the tables another way (an
    import, a hand edit) or an agreement revoked or shortened after it was used.
    """
    outside, out_of_term = set(), set()
    for disclosure, agreement in session.execute(
        select(DisclosureRow, AgreementRow).join(
            AgreementRow, AgreementRow.id == DisclosureRow.agreement_id
        )
    ):
        if (
            disclosure.recipient_id not in (agreement.parties or [])
            or disclosure.purpose not in (agreement.purposes or [])
            or not set(disclosure.fields or []) <= set(agreement.fields or [])
            or agreement.approved_on is None
            or agreement.approved_on > disclosure.created_on
        ):
            outside.add(disclosure.id)
        if not agreement.valid_from <= disclosure.created_on <= agreement.valid_until or (
            agreement.revoked_at is not None and agreement.revoked_at <= disclosure.disclosed_at
        ):
            out_of_term.add(agreement.id)
    return ComplianceFacts(
        disclosures_outside_agreement=tuple(sorted(outside)),
        agreements_expired_but_used=tuple(sorted(out_of_term)),
    )


def _rights_facts(session: Session, today: date) -> ComplianceFacts:
    """Subject rights requests unanswered past their due date (ss.45, 54)."""
    from listwarden.domain.subject_rights import is_overdue
    from listwarden.services.subject_requests import due_of

    late = [
        row.id
        for row in session.scalars(
            select(SubjectRequestRow).where(SubjectRequestRow.answered_on.is_(None))
        )
        if is_overdue(due_of(row), today, row.answered_on)
    ]
    return ComplianceFacts(overdue_subject_rights_requests=tuple(sorted(late)))


def _loss_facts(session: Session) -> ComplianceFacts:
    """Open findings of people in files outside the system (law 11); unknown until a scan ran."""
    scanned = session.scalar(
        select(Event.id).where(Event.operation == Operation.LOSS_SCAN.value).limit(1)
    )
    if scanned is None:
        return ComplianceFacts()
    found = _ids(
        session,
        select(LossFinding.id).where(LossFinding.status == "open", LossFinding.strength != "none"),
    )
    return ComplianceFacts(open_loss_findings=found)


def _log_facts(uow: UnitOfWork, *, verify: bool) -> ComplianceFacts:
    """Law 4: whether the log verifies, and the age of the last outside cosignature."""
    from listwarden.services.audit import last_cosigned
    from listwarden.services.audit_config import event_log
    from listwarden.services.audit_verify import verify_log

    cosigned = last_cosigned(uow=uow)
    count = 0
    if cosigned is not None:  # valid ones exist: count those by keys other than the log's own
        log_key = event_log(uow).signer().public_bytes
        with uow.read_only() as session:
            count = int(
                session.scalar(
                    select(func.count())
                    .select_from(LogCosignature)
                    .where(LogCosignature.witness_key != log_key)
                )
                or 0
            )
    return ComplianceFacts(
        log_verified=verify_log(uow=uow).ok if verify else None,
        cosigned_checkpoints=count,
        last_cosigned_checkpoint_age_days=(
            None if cosigned is None else cosigned.age_seconds // 86_400
        ),
    )
