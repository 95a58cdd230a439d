"""Law 8: who may be recorded as a gang nominal, on what corroboration, linked to which gang.

A gang nominal is "someone who has been identified as being a member of a gang and this is
corroborated by intelligence from more than one source" (EN 12). Sources are independent when
their pseudonymised references differ and neither derives from the other. Derivation is followed
transitively, and two items that share any ancestor or any source reference along their chains
are treated as one source: an item relayed through two people is still one item.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from listwarden.domain.errors import PolicyViolation, Reason

DEFAULT_MINIMUM_SOURCES = 2


@dataclass(frozen=True)
class IntelligenceSource:
    """What corroboration needs to know of an intelligence item."""

    id: str
    source_ref: str  # pseudonymised reference of the source
    derived_from: str | None = None  # id of the item this one was derived from


@dataclass(frozen=True)
class Lineage:
    """An item with every item it derives from, and every source reference on that chain."""

    item_ids: frozenset[str]
    source_refs: frozenset[str]


def lineages(items: Iterable[IntelligenceSource]) -> dict[str, Lineage]:
    """Each item's lineage; a chain through an item not given still counts its id."""
    by_id = {i.id: i for i in items}
    out: dict[str, Lineage] = {}
    for item in by_id.values():
        ids, refs = {item.id}, {item.source_ref.strip()}
        parent = item.derived_from
        while parent is not None and parent not in ids:  # a cycle ends the walk
            ids.add(parent)
            known = by_id.get(parent)
            if known is None:
                break
            refs.add(known.source_ref.strip())
            parent = known.derived_from
        out[item.id] = Lineage(frozenset(ids), frozenset(refs))
    return out


def independent(a: Lineage, b: Lineage) -> bool:
    return not (a.item_ids & b.item_ids) and not (a.source_refs & b.source_refs)


@dataclass(frozen=True)
class Corroboration:
    """Whether ``required`` independent sources were found, which, and why in words."""

    corroborated: bool
    required: int
    independent_items: tuple[str, ...]
    code: str
    reason: str


def corroboration(
    items: Sequence[IntelligenceSource], *, minimum: int = DEFAULT_MINIMUM_SOURCES
) -> Corroboration:
    """Find ``minimum`` mutually independent items among ``items``, or say why there are not."""
    if minimum < 1:
        raise ValueError("the minimum number of sources is at least one")
    if any(i.derived_from is not None for i in items):
        best, refs = _search(lineages(items), minimum)
    else:
        best, refs = _distinct_sources(items, minimum)
    return _verdict(items, minimum, best, refs)


def enough_distinct_sources(source_refs: Collection[str], minimum: int) -> bool:
    """Whether :func:`corroboration` finds items with these references corroborated, when none
    of them derives from another (as in every imported row): exactly when ``minimum`` of the
    references differ. One set, for the common case; ask :func:`corroboration` why not."""
    if minimum < 1:
        raise ValueError("the minimum number of sources is at least one")
    return len({ref.strip() for ref in source_refs}) >= minimum


def _search(found: Mapping[str, Lineage], minimum: int) -> tuple[list[str], set[str]]:
    """The first ``minimum`` pairwise independent items in id order (or the most there are),
    by a depth-first search over the lineages; and every source reference they hold."""
    ordered = sorted(found)
    best: list[str] = []

    def extend(chosen: list[str], start: int) -> bool:
        nonlocal best
        if len(chosen) > len(best):
            best = list(chosen)
        if len(chosen) >= minimum:
            return True
        for k in range(start, len(ordered)):
            candidate = ordered[k]
            fits = all(independent(found[candidate], found[c]) for c in chosen)
            if fits and extend([*chosen, candidate], k + 1):
                return True
        return False

    extend([], 0)
    return best, {ref for lineage in found.values() for ref in lineage.source_refs}


def _distinct_sources(
    items: Sequence[IntelligenceSource], minimum: int
) -> tuple[list[str], set[str]]:
    """What ``_search`` finds when nothing derives from anything (as in every imported row):
    two items are independent exactly when their references differ, so the search's first
    path, taking each item whose reference is new, is its answer; found in one pass."""
    refs = {i.id: i.source_ref.strip() for i in items}
    best: list[str] = []
    taken: set[str] = set()
    for item_id in sorted(refs):
        if len(best) >= minimum:
            break
        if refs[item_id] not in taken:
            taken.add(refs[item_id])
            best.append(item_id)
    return best, set(refs.values())


def _verdict(
    items: Sequence[IntelligenceSource], minimum: int, best: list[str], refs: set[str]
) -> Corroboration:
    if len(best) >= minimum:
        why = f"{minimum} independent sources: {', '.join(best)}"
        return Corroboration(True, minimum, tuple(best), "corroborated", why)
    if not items:
        code, why = "no-intelligence", "there is no intelligence"
    elif len(refs) < minimum:
        code = "single-source" if len(refs) == 1 else "too-few-sources"
        why = f"all {len(items)} item(s) come from {len(refs)} source(s); {minimum} are needed"
    else:
        code = "sources-not-independent"
        why = (
            f"at most {len(best)} of the items are independent: the others derive from them "
            f"or share a source along their chain; {minimum} are needed"
        )
    return Corroboration(False, minimum, tuple(best), code, why)


class Determination(StrEnum):
    """Why a person is on the list: gang membership, or serious youth violence without it."""

    GANG_MEMBER = "gang_member"
    SERIOUS_YOUTH_VIOLENCE = "serious_youth_violence"


@dataclass(frozen=True)
class GangRecord:
    """A group the force polices, with the evidence it meets the force's definition of a gang."""

    id: str
    name: str
    bcus: frozenset[str]
    definition_evidence: tuple[str, ...]
    approved_by: str | None
    review_on: date | None


def gang_gaps(gang: GangRecord, *, iao_id: str, today: date) -> list[Reason]:
    """Every reason a gang record may not yet be used; empty when it may."""
    gaps = []
    if not gang.name.strip():
        gaps.append(Reason("gang-name-missing", "a gang has a name", "name"))
    if not gang.bcus:
        gaps.append(Reason("gang-bcus-missing", "a gang names the BCUs it is active in", "bcus"))
    if not any(e.strip() for e in gang.definition_evidence):
        detail = "the record shows no evidence that the group meets the force's definition"
        gaps.append(Reason("gang-definition-evidence-missing", detail, "definition_evidence"))
    if gang.approved_by is None:
        gaps.append(Reason("gang-not-approved", "the IAO has not approved it", "approved_by"))
    elif gang.approved_by != iao_id:
        detail = "it was approved by someone other than the list's IAO"
        gaps.append(Reason("gang-approved-by-non-iao", detail, "approved_by"))
    if gang.review_on is None or gang.review_on < today:
        detail = "its periodic review is missing or overdue"
        gaps.append(Reason("gang-review-overdue", detail, "review_on"))
    return gaps


@dataclass(frozen=True)
class NominalCheck:
    """Whether a person may be recorded as a gang nominal, with every reason they may not."""

    accepted: bool
    corroboration: Corroboration
    reasons: tuple[Reason, ...]


class NotAGangNominal(PolicyViolation):
    """A person may not be recorded as a gang nominal; ``reasons`` says why."""

    slug = "not-a-gang-nominal"


def check_nominal(
    *,
    intelligence: Sequence[IntelligenceSource],
    determination: Determination | None,
    determination_reason: str,
    gang_id: str | None,
    gangs: Mapping[str, GangRecord],
    iao_id: str,
    today: date,
    minimum: int = DEFAULT_MINIMUM_SOURCES,
) -> NominalCheck:
    """Corroborated by independent sources, judged a member with a reason, of a recorded gang."""
    found = corroboration(intelligence, minimum=minimum)
    reasons = [] if found.corroborated else [Reason(found.code, found.reason, "intelligence")]
    if determination is None:
        detail = "record whether they are a gang member or a serious youth violence offender"
        reasons.append(Reason("determination-missing", detail, "determination"))
    elif determination is Determination.SERIOUS_YOUTH_VIOLENCE:
        detail = "judged a serious youth violence offender, not a gang member"
        reasons.append(Reason("determined-not-gang-member", detail, "determination"))
    if not determination_reason.strip():
        detail = "the determination must say why, in words"
        reasons.append(Reason("determination-reason-missing", detail, "determination_reason"))
    gang = gangs.get(gang_id) if gang_id else None
    if gang is None:
        detail = "a nominal's gang link must name a recorded gang"
        reasons.append(Reason("gang-not-recorded", detail, "gang_id"))
    else:
        reasons += [
            Reason(r.code, f"gang {gang.name}: {r.detail}", "gang_id")
            for r in gang_gaps(gang, iao_id=iao_id, today=today)
        ]
    return NominalCheck(not reasons, found, tuple(reasons))


def require_nominal(check: NominalCheck) -> None:
    """Raise ``NotAGangNominal`` with every reason when ``check`` refused the person."""
    if not check.accepted:
        detail = "the person may not be recorded as a gang nominal"
        raise NotAGangNominal(detail, reasons=check.reasons)
