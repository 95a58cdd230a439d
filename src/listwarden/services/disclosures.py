"""Disclosing entries to a recipient under an agreement (law 6), and the second IRU approval.

A request names the recipient, the agreement, the purpose, each entry and why. The policy
engine decides whether the requester may disclose each entry at all (role, BCU, grant, law 2);
``domain.sharing.evaluate_disclosure`` then decides the request against the agreement and names
every reason it fails. A refused request is kept with its reasons (the sharing review lists
every one); a request of more than 20 entries that fails only for want of a second approval
waits for it; a permitted one becomes an age-encrypted package whose rows carry keyed tags,
and one ``entry:disclose`` event per entry, with the recipient and the justification (s.62).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from listwarden.auditlog.sealing import EventRef
from listwarden.domain.access import Actor
from listwarden.domain.agreements import Agreement, Approval, Recipient
from listwarden.domain.errors import (
    Conflict,
    InvalidInput,
    KeyUnavailable,
    ListNotAuthorised,
    NotFound,
    Reason,
)
from listwarden.domain.lists import ListAction, require_list_permits
from listwarden.domain.purposes import class_of
from listwarden.domain.sharing import (
    DisclosureDecision,
    DisclosureRequest,
    SharingNotPermitted,
    evaluate_disclosure,
)
from listwarden.domain.vocabulary import Operation, Outcome, Purpose
from listwarden.export.package import Disclosure, SealedPackage, build_package
from listwarden.policy.engine import AccessAction, Context, EntryResource
from listwarden.services import disclosure_rows
from listwarden.services.access import Authoriser, entry_resource, list_resource, refusal
from listwarden.services.audit_config import event_log
from listwarden.services.events import add_events, build_event
from listwarden.services.lists import effective_status, get_list
from listwarden.services.sharing import agreement_of, get_agreement, get_recipient, recipient_of
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.tables import (
    DisclosureEntryRow,
    DisclosureRequestRow,
    DisclosureRow,
    RegisterList,
)

ATTRIBUTION_KEY = "disclosure-attribution"
"""The key-store system key that row tags and person fingerprints are derived from."""


class Status:
    REFUSED = "refused"
    AWAITING_SECOND_APPROVAL = "awaiting_second_approval"
    DISCLOSED = "disclosed"


@dataclass(frozen=True)
class DisclosureAsk:
    """What the requester asks: to whom, under what, for what, which entries, which fields, why."""

    recipient_id: str
    agreement_id: str
    purpose: str
    entry_ids: Sequence[str]
    fields: Sequence[str]
    justification: str
    entry_justifications: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DisclosureOutcome:
    """A request that went ahead: disclosed with its package, or waiting for a second approval.

    ``package`` is the age file for the recipient; it is returned once and never stored.
    """

    request_id: str
    status: str
    entries: int
    reference: str | None = None
    fields: tuple[str, ...] = ()
    fields_removed: tuple[str, ...] = ()
    filename: str | None = None
    package_sha256: str | None = None
    package: bytes | None = field(default=None, repr=False)


def attribution_key(uow: UnitOfWork) -> bytes:
    """The master key of row tags and fingerprints, a system key in the key store."""
    keys = getattr(uow.cipher, "keystore", None)
    if keys is None:
        raise KeyUnavailable("no key store is open for the disclosure attribution key")
    key: bytes = keys.system_key(ATTRIBUTION_KEY)
    return key


def request_disclosure(*, uow: UnitOfWork, actor: Actor, ask: DisclosureAsk) -> DisclosureOutcome:
    """Decide a disclosure request and, if it may go ahead, build and log the package.

    Raises ``SharingNotPermitted`` with every reason when refused; the refusal is kept.
    """
    purpose_class = class_of(ask.purpose)
    attempt = Attempt(
        Operation.DISCLOSURE_REQUEST,
        actor.id,
        purpose=Purpose(ask.purpose).value,
        purpose_class=purpose_class.value,
    )
    refused: SharingNotPermitted | None = None
    with uow.transaction(attempt) as session:
        recipient = recipient_of(get_recipient(session, ask.recipient_id))
        agreement = agreement_of(get_agreement(session, ask.agreement_id))
        loaded = disclosure_rows.load(session, uow.cipher, _explicit(ask.entry_ids))
        _authorise_requester(session, uow, actor, loaded, Purpose(ask.purpose))
        now, today = uow.now(), uow.today()
        request_id = str(uuid.uuid4())
        decision, reasons = _decide(
            session, ask, actor.id, recipient, agreement, loaded, None, today
        )
        status = _status(reasons)
        _store_request(session, uow, request_id, ask, actor.id, now, status, reasons, loaded)
        if status == Status.DISCLOSED:
            return _disclose(
                session, uow, actor, request_id, ask, recipient, agreement, decision, loaded
            )
        if status == Status.AWAITING_SECOND_APPROVAL:
            return DisclosureOutcome(request_id, status, len(decision.entry_ids))
        refused = SharingNotPermitted("the disclosure is refused", reasons=reasons)
    raise refused


def approve_disclosure(*, uow: UnitOfWork, actor: Actor, request_id: str) -> DisclosureOutcome:
    """The second IRU approval of a request of more than 20 entries; the package on success.

    The request is decided again in full today, so an agreement that expired or was revoked
    while the request waited still stops it.
    """
    refused: SharingNotPermitted | None = None
    with uow.transaction(Attempt(Operation.DISCLOSURE_APPROVE, actor.id)) as session:
        row = _awaiting(session, request_id)
        named = session.scalars(
            select(DisclosureEntryRow)
            .where(DisclosureEntryRow.request_id == request_id)
            .order_by(DisclosureEntryRow.position)
        ).all()
        loaded = disclosure_rows.load(session, uow.cipher, [n.entry_id for n in named])
        authoriser = Authoriser(session, uow, actor)
        for list_id in sorted({e.list_id for e in loaded.entries.values()}):
            authoriser.require(
                AccessAction.DISCLOSURE_APPROVE,
                list_resource(get_list(session, list_id)),
                Context(requester_id=row.requested_by),
            )
        ask = _reopen(uow, row, named)
        recipient = recipient_of(get_recipient(session, row.recipient_id))
        agreement = agreement_of(get_agreement(session, row.agreement_id))
        second = Approval(actor.id, actor.role, uow.today())
        decision, reasons = _decide(
            session, ask, row.requested_by, recipient, agreement, loaded, second, uow.today()
        )
        row.decided_at, row.reasons = uow.now(), _codes(reasons)
        row.second_approved_by, row.second_approved_at = actor.id, uow.now()
        if not reasons:
            row.status = Status.DISCLOSED
            _request_event(session, uow, row, actor.id, Outcome.DONE, "second approval given")
            return _disclose(
                session, uow, actor, request_id, ask, recipient, agreement, decision, loaded
            )
        row.status = Status.REFUSED
        _request_event(session, uow, row, actor.id, Outcome.REFUSED, ",".join(row.reasons))
        refused = SharingNotPermitted("the disclosure is refused", reasons=reasons)
    raise refused


def decline_disclosure(*, uow: UnitOfWork, actor: Actor, request_id: str, reason: str) -> None:
    """The second approver says no: the request is refused, with the reason, and kept."""
    if not (reason or "").strip():
        raise InvalidInput(
            "say why the disclosure is declined",
            reasons=[Reason("decline-reason-missing", "give a reason", "reason")],
        )
    with uow.transaction(Attempt(Operation.DISCLOSURE_APPROVE, actor.id)) as session:
        row = _awaiting(session, request_id)
        list_ids = session.scalars(
            select(DisclosureEntryRow.list_id)
            .where(DisclosureEntryRow.request_id == request_id)
            .distinct()
        ).all()
        authoriser = Authoriser(session, uow, actor)
        for list_id in sorted(i for i in list_ids if i):
            authoriser.require(
                AccessAction.DISCLOSURE_APPROVE,
                list_resource(get_list(session, list_id)),
                Context(requester_id=row.requested_by),
            )
        row.status, row.reasons = Status.REFUSED, ["second-approval-declined"]
        row.decided_at = uow.now()
        row.second_approved_by, row.second_approved_at = actor.id, uow.now()
        _request_event(
            session, uow, row, actor.id, Outcome.REFUSED, "declined", justification=reason
        )


def _awaiting(session: Session, request_id: str) -> DisclosureRequestRow:
    """The request, locked so that two approvers never both act on it."""
    row = session.get(DisclosureRequestRow, request_id, with_for_update=True)
    if row is None:
        raise NotFound(
            f"no disclosure request {request_id}",
            reasons=[Reason("request-not-found", request_id, "request_id")],
        )
    if row.status != Status.AWAITING_SECOND_APPROVAL:
        raise Conflict(
            f"the request is {row.status}, not awaiting a second approval",
            reasons=[Reason("request-not-awaiting-approval", row.status, "request_id")],
        )
    return row


def _explicit(entry_ids: Sequence[str]) -> list[str]:
    return [] if isinstance(entry_ids, str) else [i for i in entry_ids if isinstance(i, str)]


def _authorise_requester(
    session: Session,
    uow: UnitOfWork,
    actor: Actor,
    loaded: disclosure_rows.Loaded,
    purpose: Purpose,
) -> None:
    """The engine decides, per entry, whether this actor may disclose it for this purpose."""
    lists: dict[str, RegisterList] = {}
    resources: list[EntryResource] = []
    for e in loaded.entries.values():
        if e.list_id not in lists:
            lists[e.list_id] = get_list(session, e.list_id)
        resources.append(entry_resource(e, lists[e.list_id]))
    decisions = Authoriser(session, uow, actor).decide_many(
        AccessAction.DISCLOSURE_CREATE, resources, Context(purpose=purpose)
    )
    for decision in decisions:
        if not decision.allowed:
            raise refusal(decision)


def _list_reasons(session: Session, loaded: disclosure_rows.Loaded, today: date) -> list[Reason]:
    """Law 1: nothing is disclosed from a list that is not authorised (or is suspended) today."""
    reasons: list[Reason] = []
    state: dict[str, Reason | None] = {}
    for e in loaded.entries.values():
        if e.list_id not in state:
            register_list = get_list(session, e.list_id)
            try:
                require_list_permits(
                    effective_status(session, register_list, today), ListAction.DISCLOSE
                )
                state[e.list_id] = None
            except ListNotAuthorised as error:
                state[e.list_id] = error.reasons[0]
        found = state[e.list_id]
        if found is not None:
            reasons.append(Reason(found.code, found.detail, f"entries.{e.id}"))
    return reasons


def _decide(
    session: Session,
    ask: DisclosureAsk,
    requested_by: str,
    recipient: Recipient,
    agreement: Agreement,
    loaded: disclosure_rows.Loaded,
    second: Approval | None,
    today: date,
) -> tuple[DisclosureDecision, list[Reason]]:
    request = DisclosureRequest(
        requested_by=requested_by,
        recipient_id=ask.recipient_id,
        agreement_id=ask.agreement_id,
        purpose=ask.purpose,
        entry_ids=ask.entry_ids,
        fields=list(ask.fields),
        justification=ask.justification,
        entry_justifications=dict(ask.entry_justifications),
        second_approval=second,
    )
    entries = disclosure_rows.facts(loaded, today)
    decision = evaluate_disclosure(request, agreement, recipient, entries, today)
    return decision, _list_reasons(session, loaded, today) + list(decision.reasons)


def _status(reasons: Sequence[Reason]) -> str:
    if not reasons:
        return Status.DISCLOSED
    if all(r.code == "second-approval-missing" for r in reasons):
        return Status.AWAITING_SECOND_APPROVAL
    return Status.REFUSED


def _codes(reasons: Sequence[Reason]) -> list[str]:
    return [f"{r.code}@{r.field}" if r.field else r.code for r in reasons]


def _request_ref(row: DisclosureRequestRow) -> EventRef:
    return EventRef(
        row.requested_at, Operation.DISCLOSURE_REQUEST.value, row.requested_by, None, row.id
    )


def _store_request(
    session: Session,
    uow: UnitOfWork,
    request_id: str,
    ask: DisclosureAsk,
    actor_id: str,
    at: datetime,
    status: str,
    reasons: Sequence[Reason],
    loaded: disclosure_rows.Loaded,
) -> DisclosureRequestRow:
    row = DisclosureRequestRow(
        id=request_id,
        recipient_id=ask.recipient_id,
        agreement_id=ask.agreement_id,
        purpose=ask.purpose,
        purpose_class=class_of(ask.purpose).value,
        fields=[str(f) for f in ask.fields],
        entry_count=len(_explicit(ask.entry_ids)),
        requested_by=actor_id,
        requested_at=at,
        status=status,
        reasons=_codes(reasons),
        decided_at=at,
    )
    if (ask.justification or "").strip():
        row.justification_ct, row.log_period = event_log(uow).sealer.seal(
            ask.justification, _request_ref(row)
        )
    session.add(row)
    session.flush()
    named = [i for i in dict.fromkeys(_explicit(ask.entry_ids)) if i in loaded.entries]
    entry_rows = []
    for position, entry_id in enumerate(named):
        entry = loaded.entries[entry_id]
        row_id = str(uuid.uuid4())
        text = (ask.entry_justifications.get(entry_id) or "").strip()
        entry_rows.append(
            {
                "id": row_id,
                "request_id": request_id,
                "position": position,
                "entry_id": entry_id,
                "subject_id": entry.subject_id,
                "list_id": entry.list_id,
                "fingerprint": None,
                "justification_ct": uow.cipher.seal(
                    entry.subject_id, "disclosure_entries", row_id, "justification", text
                )
                if text
                else None,
            }
        )
    if entry_rows:
        session.execute(insert(DisclosureEntryRow), entry_rows)
    outcome = Outcome.REFUSED if status == Status.REFUSED else Outcome.DONE
    detail = ",".join(row.reasons) if status == Status.REFUSED else status
    _request_event(session, uow, row, actor_id, outcome, detail, justification=ask.justification)
    return row


def _request_event(
    session: Session,
    uow: UnitOfWork,
    row: DisclosureRequestRow,
    actor_id: str,
    outcome: Outcome,
    detail: str,
    justification: str | None = None,
) -> None:
    operation = (
        Operation.DISCLOSURE_REQUEST
        if row.second_approved_by is None
        else Operation.DISCLOSURE_APPROVE
    )
    add_events(
        session,
        [
            build_event(
                at=uow.now(),
                operation=operation,
                outcome=outcome,
                actor_id=actor_id,
                purpose=row.purpose,
                recipient_id=row.recipient_id,
                result_count=row.entry_count,
                reason=f"request {row.id}: {detail}"[:200],
                justification=justification if (justification or "").strip() else None,
                log=event_log(uow),
            )
        ],
    )


def _reopen(
    uow: UnitOfWork, row: DisclosureRequestRow, named: Sequence[DisclosureEntryRow]
) -> DisclosureAsk:
    """The request as it was made, its justifications opened again for the second decision."""
    justification = ""
    if row.justification_ct is not None and row.log_period is not None:
        opened = (
            event_log(uow)
            .sealer.opener(uow.now())
            .open(row.justification_ct, row.log_period, _request_ref(row))
        )
        justification = opened or ""
    sealed = [n for n in named if n.justification_ct is not None and n.subject_id]
    texts = uow.cipher.open_many(
        (n.subject_id or "", "disclosure_entries", n.id, "justification", n.justification_ct or b"")
        for n in sealed
    )
    return DisclosureAsk(
        recipient_id=row.recipient_id,
        agreement_id=row.agreement_id,
        purpose=row.purpose,
        entry_ids=[n.entry_id for n in named],
        fields=list(row.fields),
        justification=justification,
        entry_justifications={n.entry_id: t for n, t in zip(sealed, texts, strict=True)},
    )


def _disclose(
    session: Session,
    uow: UnitOfWork,
    actor: Actor,
    request_id: str,
    ask: DisclosureAsk,
    recipient: Recipient,
    agreement: Agreement,
    decision: DisclosureDecision,
    loaded: disclosure_rows.Loaded,
) -> DisclosureOutcome:
    today, now = uow.today(), uow.now()
    disclosure_id = str(uuid.uuid4())
    reference = f"LW-D-{today:%Y%m%d}-{disclosure_id[:8].upper()}"
    rows = disclosure_rows.rows(
        session, uow.cipher, loaded, decision.entry_ids, decision.fields, today
    )
    sealed: SealedPackage = build_package(
        Disclosure(disclosure_id, reference, today, ask.purpose, recipient, agreement),
        decision,
        rows,
        master_key=attribution_key(uow),
    )
    prints = {mark.entry_id: mark.fingerprint for mark in sealed.record.rows}
    named = session.execute(
        select(
            DisclosureEntryRow.id, DisclosureEntryRow.entry_id, DisclosureEntryRow.position
        ).where(DisclosureEntryRow.request_id == request_id)
    ).all()
    position = {entry_id: n for _id, entry_id, n in named}
    session.execute(
        update(DisclosureEntryRow).execution_options(synchronize_session=False),
        [{"id": row_id, "fingerprint": prints.get(entry_id)} for row_id, entry_id, _n in named],
    )
    columns = sorted(f.value for f in sealed.record.fields)
    session.add(
        DisclosureRow(
            id=disclosure_id,
            request_id=request_id,
            reference=reference,
            recipient_id=recipient.id,
            agreement_id=agreement.id,
            purpose=ask.purpose,
            fields=columns,
            fields_removed=sorted(f.value for f in decision.redacted),
            rows=len(decision.entry_ids),
            filename=sealed.filename,
            package_sha256=sealed.sha256,
            created_on=today,
            disclosed_by=actor.id,
            disclosed_at=now,
        )
    )
    log = event_log(uow)
    add_events(
        session,
        [
            build_event(
                at=now,
                operation=Operation.DISCLOSE,
                actor_id=actor.id,
                list_id=loaded.entries[entry_id].list_id,
                entry_id=entry_id,
                subject_id=loaded.entries[entry_id].subject_id,
                purpose=ask.purpose,
                recipient_id=recipient.id,
                result_count=len(decision.entry_ids),
                reason=f"{reference} row {position[entry_id]}",
                justification=(ask.entry_justifications.get(entry_id) or ask.justification),
                log=log,
            )
            for entry_id in decision.entry_ids
        ],
    )
    return DisclosureOutcome(
        request_id=request_id,
        status=Status.DISCLOSED,
        entries=len(decision.entry_ids),
        reference=reference,
        fields=tuple(columns),
        fields_removed=tuple(sorted(f.value for f in decision.redacted)),
        filename=sealed.filename,
        package_sha256=sealed.sha256,
        package=sealed.ciphertext,
    )
