"""The rights of the people on a list (DPA 2018 Part 3, ss.45-48): deadlines and restrictions.

The clock: a request is answered within one calendar month of the *relevant time* — the day
it was received, or the later day the requester's identity was confirmed; until then the clock
has not started. A complex request may be extended by two further months (three in all). While
the register waits for the requester to clarify, the clock stops; the days it stood still are
added back when the answer comes. A month ends on the same day-number of the following month,
or on that month's last day when it is shorter (31 January gives 28 or 29 February); a deadline
falling on a Saturday or Sunday moves to the Monday after.

Restrictions (s.45(4)): the register may withhold an item, wholly or partly, where that is
necessary and proportionate on one of the grounds the Act lists; each restriction names its
ground and its reason, and "neither confirm nor deny" withholds even whether anything is held.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from listwarden.domain.errors import InvalidInput, PolicyViolation, Reason
from listwarden.domain.vocabulary import OPERATIONAL_CLASSES, PurposeClass

MONTHS = 1
EXTENDED_MONTHS = 3  # one month and the two-month extension for a complex request


class RequestKind(StrEnum):
    """The rights a person may exercise over what the register holds on them."""

    ACCESS = "access"  # s.45
    RECTIFICATION = "rectification"  # s.46
    ERASURE = "erasure"  # s.47
    RESTRICTION = "restriction"  # s.47(2)


class RestrictionGround(StrEnum):
    """The grounds of s.45(4) on which the right of access may be restricted."""

    INQUIRY = "avoid_obstructing_an_inquiry"  # (a)
    CRIME = "avoid_prejudicing_crime_prevention"  # (b)
    PUBLIC_SECURITY = "protect_public_security"  # (c)
    NATIONAL_SECURITY = "protect_national_security"  # (d)
    OTHERS = "protect_the_rights_of_others"  # (e)


class ItemKind(StrEnum):
    """What a restriction can withhold, item by item."""

    ENTRY = "entry"
    INTELLIGENCE = "intelligence"
    EVIDENCE = "evidence"
    ASSESSMENT = "assessment"
    DISCLOSURE = "disclosure"
    CONSULTATION = "consultation"


@dataclass(frozen=True)
class Pause:
    """A stop of the clock while awaiting clarification; open until ``resumed_on``."""

    stopped_on: date
    resumed_on: date | None = None


def add_months(day: date, months: int) -> date:
    """The same day-number ``months`` later, or the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_working_day(day: date) -> date:
    """``day``, or the Monday after when it falls at a weekend (bank holidays are not known)."""
    return day + timedelta(days=max(0, 7 - day.weekday())) if day.weekday() >= 5 else day


def clock_starts(received_on: date, identity_confirmed_on: date | None) -> date | None:
    """The relevant time: the later of receipt and identity confirmed; ``None`` until then."""
    if identity_confirmed_on is None:
        return None
    return max(received_on, identity_confirmed_on)


def paused_days(pauses: Sequence[Pause]) -> int:
    """Days the clock stood still across closed pauses."""
    return sum((p.resumed_on - p.stopped_on).days for p in pauses if p.resumed_on is not None)


def due_on(
    *,
    received_on: date,
    identity_confirmed_on: date | None,
    extended: bool = False,
    pauses: Sequence[Pause] = (),
) -> date | None:
    """When the answer is due; ``None`` while the clock has not started or is stopped."""
    start = clock_starts(received_on, identity_confirmed_on)
    if start is None or any(p.resumed_on is None for p in pauses):
        return None
    base = add_months(start, EXTENDED_MONTHS if extended else MONTHS)
    return next_working_day(base + timedelta(days=paused_days(pauses)))


def is_overdue(due: date | None, today: date, answered_on: date | None = None) -> bool:
    """Unanswered after its due date (a stopped or unstarted clock is not overdue)."""
    return due is not None and answered_on is None and today > due


def require_pause_change(pauses: Sequence[Pause], *, stop: bool, on: date) -> None:
    """Stop only a running clock, resume only a stopped one, never before it stopped."""
    open_pause = next((p for p in pauses if p.resumed_on is None), None)
    if stop and open_pause is not None:
        raise InvalidInput(
            "the clock is already stopped",
            reasons=[Reason("clock-already-stopped", "resume it first", "pause")],
        )
    if not stop and open_pause is None:
        raise InvalidInput(
            "the clock is running", reasons=[Reason("clock-not-stopped", "nothing to resume")]
        )
    if not stop and open_pause is not None and on < open_pause.stopped_on:
        raise InvalidInput(
            "the clock cannot resume before it stopped",
            reasons=[Reason("resumed-before-stopped", str(open_pause.stopped_on), "on")],
        )


@dataclass(frozen=True)
class Restriction:
    """One item withheld from a subject access response, on a ground, for a stated reason."""

    item_kind: ItemKind
    item_id: str
    ground: RestrictionGround
    reason: str


def require_restriction(item_kind: str, item_id: str, ground: str, reason: str) -> Restriction:
    """A restriction names an item, a ground of s.45(4) and why; refused with every gap."""
    gaps: list[Reason] = []
    kind: ItemKind | None = None
    chosen: RestrictionGround | None = None
    try:
        kind = ItemKind(item_kind)
    except ValueError:
        gaps.append(Reason("item-kind-invalid", ", ".join(ItemKind), "item_kind"))
    if not item_id.strip():
        gaps.append(Reason("item-missing", "name the item withheld", "item_id"))
    try:
        chosen = RestrictionGround(ground)
    except ValueError:
        gaps.append(Reason("ground-invalid", ", ".join(RestrictionGround), "ground"))
    if not reason.strip():
        detail = "say why withholding it is necessary and proportionate"
        gaps.append(Reason("restriction-reason-missing", detail, "reason"))
    if gaps or kind is None or chosen is None:
        raise InvalidInput("the restriction is not valid", reasons=gaps)
    return Restriction(kind, item_id.strip(), chosen, reason.strip())


NCND_STATEMENT = (
    "We can neither confirm nor deny whether we hold personal data about you: to do so would "
    "itself prejudice a purpose the Data Protection Act 2018 s.45(4) protects. You may "
    "complain to the Information Commissioner."
)
OFFICERS_WITHHELD = "an officer (identity withheld, DPA 2018 s.45(4)(e))"


class EntryRestricted(PolicyViolation):
    """The entry was restricted at the person's request (s.47(2)): no operational use."""

    slug = "entry-restricted"


def require_not_restricted(restricted_on: date | None, purpose_class: PurposeClass) -> None:
    """A restricted entry is kept, consulted for oversight and rights, never operationally."""
    if restricted_on is not None and purpose_class in OPERATIONAL_CLASSES:
        raise EntryRestricted(
            "the entry is restricted and may not be used operationally",
            reasons=[
                Reason(
                    "entry-restricted",
                    f"restricted on {restricted_on.isoformat()} at the person's request (s.47(2))",
                    "entry",
                )
            ],
        )
