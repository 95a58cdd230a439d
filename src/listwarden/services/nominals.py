"""Gang nominals (law 8): a person is recorded as a gang member only when corroborated.

The determination (gang member, or serious youth violence offender without gang membership)
is stored on the entry with its reason, sealed under the person's key. A gang-member
determination needs at least ``minimum`` independent intelligence sources on the entry:
different pseudonymised source references, and neither item derived from the other.
"""

from __future__ import annotations

from sqlalchemy import select, update

from listwarden.domain.access import Actor
from listwarden.domain.corroboration import (
    DEFAULT_MINIMUM_SOURCES,
    Determination,
    IntelligenceSource,
    NotAGangNominal,
    corroboration,
)
from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.vocabulary import Operation, Purpose
from listwarden.services.entries import _entry_for_collection
from listwarden.services.events import record_event
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.tables import Entry, IntelligenceItem


def record_determination(
    *,
    uow: UnitOfWork,
    actor: Actor,
    entry_id: str,
    purpose: str,
    determination: str,
    reason: str,
    minimum: int = DEFAULT_MINIMUM_SOURCES,
) -> str:
    """Record why the person is on the list; a gang member only when independently corroborated.

    Returns the reason corroboration was accepted (for a gang member) or the determination.
    """
    try:
        judged = Determination(determination)
    except ValueError:
        choices = ", ".join(d.value for d in Determination)
        raise InvalidInput(
            f"invalid determination {determination!r}",
            reasons=[Reason("invalid-determination", f"one of: {choices}", "determination")],
        ) from None
    attempt = Attempt(Operation.ALTER, actor.id, entry_id=entry_id, purpose=purpose)
    with uow.transaction(attempt) as session:
        entry, register_list = _entry_for_collection(
            session, uow, actor, entry_id, Purpose(purpose)
        )
        gaps: list[Reason] = []
        if not reason.strip():
            detail = "the determination must say why, in words"
            gaps.append(Reason("determination-reason-missing", detail, "reason"))
        outcome = judged.value
        if judged is Determination.GANG_MEMBER:
            items = [
                IntelligenceSource(row.id, row.source_ref, row.derived_from_id)
                for row in session.execute(
                    select(
                        IntelligenceItem.id,
                        IntelligenceItem.source_ref,
                        IntelligenceItem.derived_from_id,
                    ).where(IntelligenceItem.entry_id == entry.id)
                )
            ]
            found = corroboration(items, minimum=minimum)
            if not found.corroborated:
                gaps.append(Reason(found.code, found.reason, "intelligence"))
            outcome = found.reason
        if gaps:
            raise NotAGangNominal("the determination cannot be recorded", reasons=gaps)
        session.execute(
            update(Entry)
            .where(Entry.id == entry.id)
            .values(
                determination=judged.value,
                determination_reason_ct=uow.cipher.seal(
                    entry.subject_id, "entries", entry.id, "determination_reason", reason.strip()
                ),
            )
        )
        record_event(
            session,
            at=uow.now(),
            operation=Operation.ALTER,
            actor_id=actor.id,
            list_id=register_list.id,
            entry_id=entry.id,
            subject_id=entry.subject_id,
            purpose=Purpose(purpose),
            reason=f"determination: {judged.value}",
        )
        return outcome
