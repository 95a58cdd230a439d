"""Laws 2 and 9 in scoring: an assessment explained item by item, from offending alone.

A framework is the force's own policy file (loaded and checked by ``listwarden.policy.assessment``);
this module applies it. Only evidence in which the person was perpetrator or suspect can score,
whatever a framework says, and nothing about who the person is may be a criterion.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from listwarden.domain.errors import PolicyViolation, Reason
from listwarden.domain.monitoring import IdentityCode, SelfDefinedEthnicity
from listwarden.domain.vocabulary import SCORING_ROLES, Band, EvidenceKind, EvidenceRole

BAND_ORDER = (Band.GREEN, Band.AMBER, Band.RED)


@dataclass(frozen=True)
class EvidenceItem:
    """An event in a person's history, with their role in it and who recorded it."""

    id: str
    kind: EvidenceKind
    role: EvidenceRole
    occurred_on: date
    offence_class: str | None = None
    gang_related: bool = False
    recorded_by: str | None = None


@dataclass(frozen=True)
class Criterion:
    """Points for each matching item within ``window_days`` before the assessment date."""

    id: str
    description: str
    evidence_kind: EvidenceKind
    points: int
    window_days: int
    offence_class: str | None = None  # None matches any offence class
    roles: frozenset[EvidenceRole] = SCORING_ROLES
    gang_related_only: bool = False
    max_items: int | None = None

    def fits(self, item: EvidenceItem) -> bool:
        """Whether the item is of the kind, class and role this criterion counts, in any window."""
        return (
            item.kind == self.evidence_kind
            and item.role in self.roles
            and (self.offence_class is None or item.offence_class == self.offence_class)
            and (item.gang_related or not self.gang_related_only)
        )


@dataclass(frozen=True)
class BandThreshold:
    band: Band
    min_score: int
    max_score: int | None  # None: no upper bound (only the top band)


@dataclass(frozen=True)
class Framework:
    name: str
    version: str
    criteria: tuple[Criterion, ...]
    bands: tuple[BandThreshold, ...]
    example: bool = False
    notice: str = ""
    source: str = "<memory>"


@dataclass(frozen=True)
class ScoredItem:
    evidence_id: str
    criterion_id: str
    points: int
    explanation: str


@dataclass(frozen=True)
class UncountedItem:
    evidence_id: str
    code: str
    explanation: str


@dataclass(frozen=True)
class Assessment:
    """A score and band with the reasons for every point, and for every item that gave none."""

    framework: str
    framework_version: str
    on_date: date
    score: int
    band: Band
    scored: tuple[ScoredItem, ...]
    uncounted: tuple[UncountedItem, ...]

    def explanation(self) -> list[str]:
        lines = [f"{s.explanation}: +{s.points}" for s in self.scored]
        lines += [f"{u.explanation}: 0" for u in self.uncounted]
        return [*lines, f"total {self.score}: {self.band.value}"]


def band_for(score: int, framework: Framework) -> Band:
    for threshold in framework.bands:
        if score >= threshold.min_score and (
            threshold.max_score is None or score <= threshold.max_score
        ):
            return threshold.band
    raise AssertionError(f"framework {framework.name} leaves score {score} without a band")


def in_window(occurred_on: date, on_date: date, window_days: int) -> bool:
    """Whether ``occurred_on`` falls in the ``window_days`` days that end on ``on_date``."""
    return 0 <= (on_date - occurred_on).days < window_days


def _uncounted(item: EvidenceItem, framework: Framework, on_date: date) -> UncountedItem:
    label = f"{item.kind.value} {item.id} on {item.occurred_on} as {item.role.value}"
    if item.role not in SCORING_ROLES:
        why = "as a victim or witness it never scores"
        return UncountedItem(item.id, "non-scoring-role", f"{label}: {why}")
    if item.occurred_on > on_date:
        return UncountedItem(item.id, "after-assessment-date", f"{label}: after {on_date}")
    if any(c.fits(item) for c in framework.criteria):
        return UncountedItem(
            item.id, "outside-window", f"{label}: outside every criterion's window"
        )
    return UncountedItem(item.id, "no-matching-criterion", f"{label}: no criterion counts it")


def score(
    evidence_items: Iterable[EvidenceItem], framework: Framework, on_date: date
) -> Assessment:
    """Score the evidence on ``on_date``: each item counts once, under its best-paying criterion.

    Items are taken newest first, so where a criterion caps how many items count, the most
    recent count. A victim's or witness's item never scores, even if a framework were to say so.
    """
    items = sorted(evidence_items, key=lambda i: (i.occurred_on, i.id), reverse=True)
    by_points = sorted(framework.criteria, key=lambda c: -c.points)  # stable: file order on ties
    used: dict[str, int] = {}
    scored: list[ScoredItem] = []
    uncounted: list[UncountedItem] = []
    for item in items:
        chosen = None
        if item.role in SCORING_ROLES:
            fitting = [
                c
                for c in by_points
                if c.fits(item) and in_window(item.occurred_on, on_date, c.window_days)
            ]
            open_ = [c for c in fitting if c.max_items is None or used.get(c.id, 0) < c.max_items]
            chosen = open_[0] if open_ else None
            if fitting and not open_:
                cap = f"{item.kind.value} {item.id}: criteria {', '.join(c.id for c in fitting)}"
                uncounted.append(UncountedItem(item.id, "cap-reached", f"{cap} already full"))
                continue
        if chosen is None:
            uncounted.append(_uncounted(item, framework, on_date))
            continue
        used[chosen.id] = used.get(chosen.id, 0) + 1
        why = (
            f"{item.kind.value} {item.id} on {item.occurred_on} as {item.role.value} "
            f"meets {chosen.id} ({chosen.description})"
        )
        scored.append(ScoredItem(item.id, chosen.id, chosen.points, why))
    total = sum(s.points for s in scored)
    return Assessment(
        framework.name,
        framework.version,
        on_date,
        total,
        band_for(total, framework),
        tuple(scored),
        tuple(uncounted),
    )


def band_changed(old: Band | None, new: Band | None) -> bool:
    """A change of band (including a first band) triggers a review of the entry."""
    return old != new


class ConfirmationRefused(PolicyViolation):
    """An assessment cannot be confirmed as asked; ``reasons`` names each problem."""

    slug = "confirmation-refused"


def require_confirmation(
    *,
    assessments: Sequence[Assessment],
    evidence: Iterable[EvidenceItem],
    assessor_id: str | None,
) -> None:
    """One assessment, confirmed by a named assessor who recorded none of its evidence."""
    reasons = []
    if len(assessments) != 1:
        detail = "each assessment is confirmed on its own, by a person who has read it"
        reasons.append(Reason("bulk-confirmation", detail, "assessments"))
    if not (assessor_id or "").strip():
        reasons.append(Reason("assessor-not-named", "a named assessor confirms", "assessor"))
    considered = {s.evidence_id for a in assessments for s in a.scored} | {
        u.evidence_id for a in assessments for u in a.uncounted
    }
    for item in evidence:
        if item.id not in considered:
            continue
        if item.recorded_by is None:
            detail = f"who recorded evidence {item.id} is unknown"
            reasons.append(Reason("evidence-recorder-unknown", detail, "evidence"))
        elif assessor_id and item.recorded_by == assessor_id:
            detail = f"the assessor recorded evidence {item.id}; someone else must confirm"
            reasons.append(Reason("assessor-entered-evidence", detail, "assessor"))
    if reasons:
        raise ConfirmationRefused("the assessment cannot be confirmed", reasons=reasons)


_NOT_A_GROUP = frozenset({SelfDefinedEthnicity.NOT_STATED, SelfDefinedEthnicity.OTHER_ANY})

# What no framework may name as a criterion input (law 9; DESIGN "What it will not do").
# Each entry: the reason code, what the terms stand for, and the terms (words or phrases).
_FORBIDDEN: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("protected-characteristic-named", "race or ethnicity", (
        "race", "racial", "ethnicity", "ethnic", "ethnic origin", "skin colour", "skin color",
        "complexion", "nationality", "national origin", "citizenship", "immigration status",
        "country of birth", "place of birth", "identity code", "ic code",
        "self defined ethnicity", "black", "white", "asian", "arab", "chinese", "gypsy",
        "traveller", *(c.value for c in IdentityCode),
        *(e.value for e in SelfDefinedEthnicity if e not in _NOT_A_GROUP),
    )),
    ("protected-characteristic-named", "religion or belief", (
        "religion", "religious", "faith", "belief", "beliefs", "muslim", "christian", "jewish",
        "hindu", "sikh", "mosque", "church", "synagogue", "temple",
    )),
    ("protected-characteristic-named", "sex or gender", ("sex", "gender", "male", "female")),
    ("protected-characteristic-named", "gender reassignment", (
        "transgender", "gender reassignment",
    )),
    ("protected-characteristic-named", "sexual orientation", (
        "sexual orientation", "sexuality", "gay", "lesbian", "bisexual",
    )),
    ("protected-characteristic-named", "age", (
        "age", "aged", "age band", "age group", "age range", "date of birth", "dob",
        "year of birth", "birth year", "birthday",
    )),
    ("protected-characteristic-named", "disability", (
        "disability", "disabled", "impairment", "mental health", "learning difficulty",
    )),
    ("protected-characteristic-named", "pregnancy, maternity, marriage or civil partnership", (
        "pregnancy", "pregnant", "maternity", "marriage", "married", "marital",
        "civil partnership",
    )),
    ("proxy-named", "music genre, a proxy for ethnicity", (
        "music", "music genre", "music video", "musician", "genre", "drill", "rap", "rapper",
        "grime", "lyrics", "lyric",
    )),
    ("proxy-named", "postcode or area of residence, a proxy for ethnicity", (
        "postcode", "post code", "postal code", "postal district", "zip code", "address",
        "estate", "neighbourhood", "area of residence",
    )),
    ("proxy-named", "name or language, a proxy for ethnicity", (
        "surname", "family name", "forename", "given name", "language", "accent",
    )),
    ("victimisation-named", "victimisation, which never scores", (
        "victim", "victims", "victimisation", "victimization", "victimised", "victimized",
    )),
)  # fmt: skip

# Offence names that contain a forbidden word without naming anything about the person.
_ALLOWED_PHRASES = (
    "sex offence", "sex offences", "sex offender", "sexual offence", "female genital mutilation",
)  # fmt: skip


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w]


FORBIDDEN_CRITERION_TERMS: Mapping[tuple[str, ...], tuple[str, str]] = {
    tuple(_words(term)): (code, what) for code, what, terms in _FORBIDDEN for term in terms
}
"""Every forbidden term, as its words, mapped to (reason code, what it stands for)."""


def forbidden_terms_in(name: str) -> list[tuple[str, str, str]]:
    """The forbidden terms ``name`` contains, as (term, reason code, what it stands for).

    Matching is by whole words (``criminal_damage`` does not name ``age``), and offence names
    such as ``sex_offence`` are allowed.
    """
    words = _words(name)
    for phrase in map(_words, _ALLOWED_PHRASES):
        n = len(phrase)
        for i in range(len(words) - n + 1):
            if words[i : i + n] == phrase:
                words[i : i + n] = ["_"] * n
    found = [
        (term, code, what)
        for term, (code, what) in FORBIDDEN_CRITERION_TERMS.items()
        if _contains(words, term)
    ]
    # Report "self defined ethnicity" once, not also "ethnicity" within it.
    longest = [f for f in found if not any(o != f and _contains(o[0], f[0]) for o in found)]
    return [(" ".join(term), code, what) for term, code, what in longest]


def _contains(words: Sequence[str], term: Sequence[str]) -> bool:
    n = len(term)
    return any(tuple(words[i : i + n]) == tuple(term) for i in range(len(words) - n + 1))
