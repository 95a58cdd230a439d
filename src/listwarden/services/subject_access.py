"""Answering a subject access request: everything held on one person, across every list.

The response gathers the person's details, each entry (list, category, BCU, dates, band and
the determination with its reason), the evidence, the intelligence (with its grading; never
the source reference, which could identify someone else), every assessment with its itemised
explanation, each disclosure and who received it, the person's equality monitoring record (the
identity code an officer assigned and the ethnicity they defined themselves, law 9: held about
them, so theirs to see), and the log of who consulted the record.
Items the IRU restricted are left out and only their ground is stated; the identities of the
officers who recorded or consulted are withheld (s.45(4)(e)) unless the IRU lifted that. A
request answered "neither confirm nor deny" yields the statement alone.

The IRU officer's own read is logged like any other: one ``entry:consult`` per entry read, for
the purpose ``subject_access``, in the same transaction; a person on no list is logged too; and
opening the monitoring record under the equality key appends a ``monitoring:consult`` of its
own, so each read of protected characteristics outside the aggregate reports can be found.
Everything is read by the subject's indexes, so the cost does not grow with the register.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from listwarden.domain.access import Actor
from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.subject_rights import NCND_STATEMENT, OFFICERS_WITHHELD, RequestKind
from listwarden.domain.vocabulary import Operation, Purpose, PurposeClass
from listwarden.policy.engine import REGISTER, AccessAction
from listwarden.services.access import authorise
from listwarden.services.events import add_events, build_event
from listwarden.services.subject_requests import OPEN, due_of
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.tables import (
    AssessmentRow,
    DisclosureEntryRow,
    DisclosureRow,
    Entry,
    Event,
    EvidenceItem,
    IntelligenceItem,
    MonitoringRecord,
    RecipientRow,
    RegisterList,
    RequestRestrictionRow,
    Subject,
    SubjectRequestRow,
    User,
)


@dataclass
class SarResponse:
    """What the person receives, as data (the CLI renders it as JSON or PDF)."""

    request_id: str
    subject_id: str
    compiled_on: date
    due_on: date | None
    neither_confirm_nor_deny: bool = False
    statement: str | None = None
    person: dict[str, Any] | None = None
    entries: list[dict[str, Any]] = field(default_factory=list)
    disclosures: list[dict[str, Any]] = field(default_factory=list)
    consultations: list[dict[str, Any]] = field(default_factory=list)
    monitoring: dict[str, Any] | None = None
    restrictions: list[dict[str, str]] = field(default_factory=list)


class _Compiler:
    def __init__(
        self,
        session: Session,
        uow: UnitOfWork,
        request: SubjectRequestRow,
        restricted: set[tuple[str, str]],
        references: bool = False,
    ) -> None:
        self.session, self.uow, self.request = session, uow, request
        self.sid, self.restricted = request.subject_id, restricted
        self.references = references
        self.names: dict[str, str] = {}

    def item(self, kind: str, item_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """An item as shown; for the IRU's preview, with the reference a restriction names."""
        if self.references:
            return {"item_kind": kind, "reference": item_id, **values}
        return values

    def shown(self, kind: str, item_id: str) -> bool:
        return (kind, item_id) not in self.restricted

    def officer(self, user_id: str | None) -> str | None:
        if user_id is None:
            return None
        if not self.request.reveal_officers:
            return OFFICERS_WITHHELD
        if user_id not in self.names:
            user = self.session.get(User, user_id)
            self.names[user_id] = user.name if user else user_id
        return self.names[user_id]

    def open(self, table: str, record_id: str, name: str, blob: bytes | None) -> str | None:
        if blob is None:
            return None
        return self.uow.cipher.open(self.sid, table, record_id, name, blob)

    def person(self, subject: Subject) -> dict[str, Any]:
        s = subject
        nicknames = self.open("subjects", s.id, "nicknames", s.nicknames_ct)
        return {
            "given_name": self.open("subjects", s.id, "given_name", s.given_name_ct),
            "family_name": self.open("subjects", s.id, "family_name", s.family_name_ct),
            "date_of_birth": self.open("subjects", s.id, "date_of_birth", s.date_of_birth_ct),
            "nicknames": nicknames.split("\n") if nicknames else [],
            "address": self.open("subjects", s.id, "address", s.address_ct),
        }

    def monitoring(self, record: MonitoringRecord) -> dict[str, Any]:
        """The person's monitoring record, opened under the equality key."""
        opened = self.uow.cipher.open_monitoring
        return {
            "identity_code_assigned_by_an_officer": opened(
                record.id, "identity_code", record.identity_code_ct
            ),
            "ethnicity_as_you_defined_it": opened(
                record.id, "self_defined_ethnicity", record.self_defined_ethnicity_ct
            ),
            "month_of_birth": opened(record.id, "birth_month", record.birth_month_ct),
        }

    def entry(self, e: Entry, list_name: str) -> dict[str, Any]:
        s = self.session
        evidence = s.scalars(select(EvidenceItem).where(EvidenceItem.entry_id == e.id)).all()
        intelligence = s.scalars(
            select(IntelligenceItem).where(IntelligenceItem.entry_id == e.id)
        ).all()
        assessments = s.scalars(select(AssessmentRow).where(AssessmentRow.entry_id == e.id)).all()
        return {
            "entry_id": e.id,
            "list": list_name,
            "category": e.category,
            "bcu": e.bcu,
            "status": e.status,
            "added_on": e.added_on,
            "added_by": self.officer(e.added_by),
            "next_review_on": e.next_review_on,
            "score": e.score,
            "band": e.band,
            "determination": e.determination,
            "determination_reason": self.open(
                "entries", e.id, "determination_reason", e.determination_reason_ct
            ),
            "brought_in_from_a_legacy_list_and_not_yet_reviewed": e.legacy_unreviewed,
            "evidence": [
                self.item(
                    "evidence",
                    i.id,
                    {
                        "kind": i.kind,
                        "your_role": i.role,
                        "occurred_on": i.occurred_on,
                        "fact_or_assessment": i.nature,
                        "description": self.open(
                            "evidence_items", i.id, "description", i.description_ct
                        ),
                    },
                )
                for i in evidence
                if self.shown("evidence", i.id)
            ],
            "intelligence": [
                self.item(
                    "intelligence",
                    i.id,
                    {
                        "grading": _grading(i),
                        "source_type": i.source_type,
                        "reported_on": i.reported_on,
                        "fact_or_assessment": i.nature,
                        "text": self.open("intelligence_items", i.id, "text", i.text_ct),
                    },
                )
                for i in intelligence
                if self.shown("intelligence", i.id)
            ],
            "assessments": [
                self.item(
                    "assessment",
                    a.id,
                    {
                        "framework": a.framework,
                        "version": a.framework_version,
                        "score": a.score,
                        "band": a.band,
                        "explanation": a.explanation,
                        "computed_at": a.computed_at,
                        "confirmed_by": self.officer(a.assessor_id),
                    },
                )
                for a in assessments
                if self.shown("assessment", a.id)
            ],
        }

    def disclosures(self, entry_ids: list[str]) -> list[dict[str, Any]]:
        if not entry_ids:
            return []
        rows = self.session.execute(
            select(DisclosureEntryRow.entry_id, DisclosureRow, RecipientRow.name)
            .join(DisclosureRow, DisclosureRow.request_id == DisclosureEntryRow.request_id)
            .join(RecipientRow, RecipientRow.id == DisclosureRow.recipient_id)
            .where(DisclosureEntryRow.entry_id.in_(entry_ids))
            .order_by(DisclosureRow.disclosed_at)
        )
        return [
            self.item(
                "disclosure",
                d.id,
                {
                    "entry_id": entry_id,
                    "disclosed_on": d.created_on,
                    "recipient": recipient,
                    "purpose": d.purpose,
                    "fields": d.fields,
                    "disclosed_by": self.officer(d.disclosed_by),
                },
            )
            for entry_id, d, recipient in rows
            if self.shown("disclosure", d.id)
        ]

    def consultations(self) -> list[dict[str, Any]]:
        events = self.session.scalars(
            select(Event).where(Event.subject_id == self.sid).order_by(Event.id)
        )
        return [
            self.item(
                "consultation",
                str(e.id),
                {
                    "at": e.occurred_at,
                    "what": e.operation,
                    "purpose": e.purpose,
                    "by": self.officer(e.actor_id),
                },
            )
            for e in events
            if self.shown("consultation", str(e.id))
        ]


def _grading(item: IntelligenceItem) -> str:
    return f"{item.source_evaluation}{item.intelligence_assessment}{item.handling_code}"


def _restrictions(session: Session, request_id: str) -> list[RequestRestrictionRow]:
    return list(
        session.scalars(
            select(RequestRestrictionRow).where(RequestRestrictionRow.request_id == request_id)
        )
    )


def compile_sar(
    *,
    uow: UnitOfWork,
    actor: Actor,
    request_id: str,
    answer: bool = True,
    references: bool = False,
) -> SarResponse:
    """Compile the response to an access request; ``answer`` records it as answered today.

    ``references`` gives each item its kind and reference, for the IRU deciding what to
    restrict (a preview, compiled with ``answer=False``); the person's copy goes without them.
    """
    attempt = Attempt(
        Operation.CONSULT,
        actor.id,
        purpose=Purpose.SUBJECT_ACCESS.value,
        purpose_class=PurposeClass.RIGHTS.value,
    )
    with uow.transaction(attempt) as session:
        authorise(session, uow, actor, AccessAction.SUBJECT_REQUEST_MANAGE, REGISTER)
        request = session.get(SubjectRequestRow, request_id)
        if request is None or request.kind != RequestKind.ACCESS:
            raise InvalidInput(
                "no such subject access request",
                reasons=[Reason("request-not-found", request_id, "request_id")],
            )
        if request.identity_confirmed_on is None:
            raise InvalidInput(
                "the requester's identity has not been confirmed",
                reasons=[Reason("identity-not-confirmed", "confirm it first", "identity")],
            )
        response = SarResponse(request.id, request.subject_id, uow.today(), due_of(request))
        restrictions = _restrictions(session, request.id)
        response.restrictions = [
            {"withheld": r.item_kind, "ground": r.ground} for r in restrictions
        ]
        if request.ncnd:
            response.neither_confirm_nor_deny, response.statement = True, NCND_STATEMENT
            response.restrictions = []
        else:
            _fill(
                session,
                uow,
                request,
                response,
                {(r.item_kind, r.item_id) for r in restrictions},
                actor,
                references,
            )
        if answer and request.status == OPEN:
            request.status, request.answered_on = "answered", uow.today()
        return response


def _fill(
    session: Session,
    uow: UnitOfWork,
    request: SubjectRequestRow,
    response: SarResponse,
    restricted: set[tuple[str, str]],
    actor: Actor,
    references: bool,
) -> None:
    compiler = _Compiler(session, uow, request, restricted, references)
    subject = session.get(Subject, request.subject_id)
    rows = session.execute(
        select(Entry, RegisterList.name)
        .join(RegisterList, RegisterList.id == Entry.list_id)
        .where(Entry.subject_id == request.subject_id)
        .order_by(Entry.added_on, Entry.id)
    ).all()
    response.consultations = compiler.consultations()  # before this read is logged
    if subject is not None:
        response.person = compiler.person(subject)
    response.entries = [
        compiler.item("entry", e.id, compiler.entry(e, name))
        for e, name in rows
        if compiler.shown("entry", e.id)
    ]
    response.disclosures = compiler.disclosures([e.id for e, _ in rows])
    record = session.scalars(
        select(MonitoringRecord).where(MonitoringRecord.subject_id == request.subject_id)
    ).one_or_none()
    if record is not None:
        response.monitoring = compiler.monitoring(record)
    now = uow.now()
    why = f"subject access request {request.id}"

    def read(operation: Operation, **ids: Any) -> dict[str, Any]:
        return build_event(
            at=now,
            operation=operation,
            actor_id=actor.id,
            purpose=Purpose.SUBJECT_ACCESS,
            purpose_class=PurposeClass.RIGHTS.value,
            **ids,
        )

    events = [
        read(
            Operation.CONSULT, list_id=e.list_id, entry_id=e.id, subject_id=e.subject_id, reason=why
        )
        for e, _ in rows
    ] or [read(Operation.CONSULT, subject_id=request.subject_id, result_count=0, reason=why)]
    if record is not None:
        events.append(
            read(
                Operation.MONITORING_CONSULT,
                subject_id=request.subject_id,
                result_count=1,
                reason=f"{why}: equality monitoring record",
            )
        )
    add_events(session, events)


def as_document(response: SarResponse) -> dict[str, Any]:
    """The response as plain JSON-ready data (dates as ISO text)."""
    loaded: dict[str, Any] = json.loads(json.dumps(asdict(response), default=str))
    return loaded
