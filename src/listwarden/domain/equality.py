"""Law 9 in figures: equality counts, rates per 1,000 residents and disparity ratios, no I/O.

The identity code and the self-defined ethnicity are never merged: each tally is on one basis.
"Unknown" (IC9, "not stated") is a group of its own, in every total and share; having no
population baseline, it has no rate or ratio.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from statistics import NormalDist
from types import MappingProxyType
from typing import Any, NamedTuple, cast

from listwarden.domain.bcu import BOROUGHS_BY_BCU, require_bcu
from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.monitoring import IdentityCode, SelfDefinedEthnicity
from listwarden.domain.vocabulary import Band, Category

FORCE = "force"  # the label of the force-wide row
NO_BAND = "unassessed"  # the band key of an entry with no confirmed assessment


class EthnicGroup(StrEnum):
    """The five census high-level groups, plus "unknown" which is counted, never dropped."""

    WHITE = "white"
    MIXED = "mixed"
    ASIAN = "asian"
    BLACK = "black"
    OTHER = "other"
    UNKNOWN = "unknown"


CENSUS_GROUPS: tuple[EthnicGroup, ...] = tuple(g for g in EthnicGroup if g != EthnicGroup.UNKNOWN)
REFERENCE_GROUP = EthnicGroup.WHITE  # disparity ratios compare each other census group with it
GroupCounts = dict[EthnicGroup, int]
_ZERO: GroupCounts = dict.fromkeys(EthnicGroup, 0)


class Basis(StrEnum):
    """Which monitoring value a tally counts; the two are never combined for one person."""

    SELF_DEFINED = "self_defined"
    IDENTITY_CODE = "identity_code"


GROUP_OF_SELF_DEFINED: Mapping[SelfDefinedEthnicity, EthnicGroup] = MappingProxyType(
    {
        e: EthnicGroup.UNKNOWN
        if e == SelfDefinedEthnicity.NOT_STATED
        else EthnicGroup(e.value.split("_", 1)[0])
        for e in SelfDefinedEthnicity
    }
)

# Identity codes have no mixed category, so on this basis the Mixed group is always empty.
# IC5 (Chinese, Japanese, other South East Asian) falls in the census Asian group, where
# "Asian: Chinese" sits in 2011; IC6 (Arabic or North African) in Other, where "Other: Arab" sits.
GROUP_OF_IDENTITY_CODE: Mapping[IdentityCode, EthnicGroup] = MappingProxyType(
    {
        IdentityCode.IC1: EthnicGroup.WHITE,
        IdentityCode.IC2: EthnicGroup.WHITE,
        IdentityCode.IC3: EthnicGroup.BLACK,
        IdentityCode.IC4: EthnicGroup.ASIAN,
        IdentityCode.IC5: EthnicGroup.ASIAN,
        IdentityCode.IC6: EthnicGroup.OTHER,
        IdentityCode.IC9: EthnicGroup.UNKNOWN,
    }
)


class AgeBand(StrEnum):
    """Mutually exclusive age bands on the report date; under 18 is the first two together."""

    UNDER_16 = "under_16"
    AGE_16_17 = "16_17"
    ADULT = "18_and_over"
    UNKNOWN = "age_unknown"


UNDER_18 = (AgeBand.UNDER_16, AgeBand.AGE_16_17)


def age_band(age: int | None) -> AgeBand:
    if age is None:
        return AgeBand.UNKNOWN
    return AgeBand.UNDER_16 if age < 16 else AgeBand.AGE_16_17 if age < 18 else AgeBand.ADULT


def age_band_from_birth_month(year: int, month: int, on: date) -> AgeBand:
    """Band from a birth month: in the birthday month the younger age is assumed, so that a
    child is never counted as an adult for want of the day."""
    return age_band(on.year - year - (1 if on.month <= month else 0))


class Dimension(StrEnum):
    """The breakdowns every tally carries."""

    BCU = "bcu"
    BAND = "band"
    LIST = "list"
    CATEGORY = "category"
    AGE = "age"


class MonitoringRecord(NamedTuple):
    """One entry as the equality report sees it: no identifier of the person at all."""

    list_id: str
    category: Category
    bcu: str
    band: Band | None
    age_band: AgeBand
    identity_code: IdentityCode
    self_defined: SelfDefinedEthnicity


def _zero_counts() -> GroupCounts:
    return _ZERO.copy()  # iterating an Enum class is slow; copying a small dict is not


def add_counts(parts: Iterable[Mapping[EthnicGroup, int]]) -> GroupCounts:
    out = _zero_counts()
    for part in parts:
        for group, n in part.items():
            out[group] += n
    return out


@dataclass(frozen=True)
class GroupTally:
    """Counts by group on one basis, force-wide and by each dimension's values."""

    basis: Basis
    by_group: GroupCounts = field(default_factory=_zero_counts)
    breakdowns: dict[Dimension, dict[str, GroupCounts]] = field(
        default_factory=lambda: {d: {} for d in Dimension}
    )

    @property
    def total(self) -> int:
        return sum(self.by_group.values())

    def counts(self, dimension: Dimension, *keys: str) -> GroupCounts:
        """Counts for one value of a dimension, or several together (the two bands under 18)."""
        return add_counts(self.breakdowns[dimension].get(k, {}) for k in keys)


def tally(cells: Iterable[tuple[MonitoringRecord, int]]) -> dict[Basis, GroupTally]:
    """Tally records already counted (``(record, n)`` pairs, as from a GROUP BY), on both bases."""
    tallies = {basis: GroupTally(basis) for basis in Basis}
    self_defined, by_code = tallies[Basis.SELF_DEFINED], tallies[Basis.IDENTITY_CODE]
    for record, n in cells:
        keys = (
            (Dimension.BCU, record.bcu),
            (Dimension.BAND, record.band.value if record.band is not None else NO_BAND),
            (Dimension.LIST, record.list_id),
            (Dimension.CATEGORY, record.category.value),
            (Dimension.AGE, record.age_band.value),
        )
        for one, group in (
            (self_defined, GROUP_OF_SELF_DEFINED[record.self_defined]),
            (by_code, GROUP_OF_IDENTITY_CODE[record.identity_code]),
        ):
            one.by_group[group] += n
            for dimension, key in keys:
                one.breakdowns[dimension].setdefault(key, _zero_counts())[group] += n
    return tallies


def tally_records(records: Iterable[MonitoringRecord]) -> dict[Basis, GroupTally]:
    """Tally one record per entry: distinct records are counted first (one hash per entry), so
    the mapping to groups runs once per distinct combination, not once per entry."""
    return tally(Counter(records).items())


@dataclass(frozen=True)
class PopulationBaseline:
    """Residents by borough and census group (a census table, or a newer one of the same shape)."""

    source: str
    residents: Mapping[str, Mapping[EthnicGroup, int]]

    def population(self, bcu: str | None = None) -> GroupCounts:
        """Residents by census group force-wide, or summed over the boroughs of one BCU."""
        boroughs = tuple(self.residents) if bcu is None else BOROUGHS_BY_BCU[require_bcu(bcu)]
        if missing := [b for b in boroughs if b not in self.residents]:
            detail = f"the baseline {self.source!r} cannot give a population for {bcu!r}"
            why = [Reason("baseline-borough-missing", f"no residents for {b!r}") for b in missing]
            raise InvalidInput(detail, reasons=why)
        counts = add_counts(self.residents[b] for b in boroughs)
        del counts[EthnicGroup.UNKNOWN]
        return counts


@dataclass(frozen=True)
class GroupRate:
    """One group's count, its share of everyone counted, and its rate against its population."""

    group: EthnicGroup
    count: int
    share: float | None
    population: int | None
    rate_per_1000: float | None


@dataclass(frozen=True)
class DisparityRatio:
    """A group's rate over the reference rate; None if that is zero. No interval when either
    count is zero: the log interval is undefined there, and no continuity correction is made."""

    group: EthnicGroup
    ratio: float | None
    lower: float | None
    upper: float | None


def rate_per_1000(count: int, population: int | None) -> float | None:
    return count * 1000 / population if population else None


def group_rates(
    counts: Mapping[EthnicGroup, int], population: Mapping[EthnicGroup, int]
) -> tuple[GroupRate, ...]:
    """Every group, unknown included, with its share; rates only where a population exists."""
    total, out = sum(counts.get(g, 0) for g in EthnicGroup), []
    for g in EthnicGroup:
        n, pop = counts.get(g, 0), population.get(g)
        out.append(GroupRate(g, n, n / total if total else None, pop, rate_per_1000(n, pop)))
    return tuple(out)


def rate_ratio_interval(
    a: int, population_a: int, b: int, population_b: int, *, confidence: float = 0.95
) -> tuple[float, float] | None:
    """The log (Wald) interval for a ratio of two Poisson rates (a/Na)/(b/Nb); None if a = 0.

    SE(ln RR) = sqrt(1/a + 1/b). Chosen over Katz's risk-ratio interval, which subtracts 1/N
    for each population, because the people on a list are not a sample of the baseline's
    residents: they are counted now, the residents at a census, and someone listed may not be
    in the baseline at all, so the binomial model behind Katz does not hold. With London's
    populations 1/N is below 1e-5: the two intervals differ far below the published precision.
    """
    if a <= 0 or b <= 0 or population_a <= 0 or population_b <= 0:
        return None
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    log_ratio = math.log((a / population_a) / (b / population_b))
    half_width = z * math.sqrt(1 / a + 1 / b)
    return math.exp(log_ratio - half_width), math.exp(log_ratio + half_width)


def disparity_ratios(
    counts: Mapping[EthnicGroup, int],
    population: Mapping[EthnicGroup, int],
    *,
    confidence: float = 0.95,
) -> tuple[DisparityRatio, ...]:
    """Each census group other than the reference, against the reference group."""
    b, pop_b = counts.get(REFERENCE_GROUP, 0), population.get(REFERENCE_GROUP, 0)
    reference = rate_per_1000(b, pop_b)
    out = []
    for group in CENSUS_GROUPS[1:]:
        a, pop_a = counts.get(group, 0), population.get(group, 0)
        rate = rate_per_1000(a, pop_a)
        if rate is None or not reference:
            out.append(DisparityRatio(group, None, None, None))
            continue
        interval = rate_ratio_interval(a, pop_a, b, pop_b, confidence=confidence)
        lower, upper = interval if interval else (None, None)
        out.append(DisparityRatio(group, rate / reference, lower, upper))
    return tuple(out)


@dataclass(frozen=True)
class Figures:
    """Rates and disparity ratios for one row of a report: the force, a BCU, a band, a list…"""

    label: str
    total: int
    rates: tuple[GroupRate, ...]
    ratios: tuple[DisparityRatio, ...]


def figures(label: str, counts: GroupCounts, population: GroupCounts) -> Figures:
    rates, ratios = group_rates(counts, population), disparity_ratios(counts, population)
    return Figures(label, sum(counts.values()), rates, ratios)


def area_figures(tally_: GroupTally, baseline: PopulationBaseline) -> tuple[Figures, ...]:
    """The force-wide row, then one row per BCU against the residents of its boroughs."""
    force = figures(FORCE, tally_.by_group, baseline.population())
    return (force, *breakdown_figures(tally_, Dimension.BCU, baseline))


def breakdown_figures(
    tally_: GroupTally, dimension: Dimension, baseline: PopulationBaseline
) -> tuple[Figures, ...]:
    """One row per value of ``dimension`` (BCUs against their own residents, others force-wide)."""
    if dimension == Dimension.BCU:
        return tuple(
            figures(b, tally_.counts(dimension, b), baseline.population(b)) for b in BOROUGHS_BY_BCU
        )
    population, table = baseline.population(), tally_.breakdowns[dimension]
    return tuple(figures(key, table[key], population) for key in sorted(table))


_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class EqualitySnapshot:
    """Month-end aggregate counts (``YYYY-MM``), kept as JSON for trends; no record of a person."""

    month: str
    tallies: Mapping[Basis, GroupTally]

    def __post_init__(self) -> None:
        if not _MONTH.fullmatch(self.month):
            raise _not_a_snapshot(f"month {self.month!r} is not YYYY-MM")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready copy (every key is a string: the enums are ``StrEnum``)."""
        bases = {
            b: {"by_group": t.by_group, "breakdowns": t.breakdowns} for b, t in self.tallies.items()
        }
        return cast(dict[str, Any], json.loads(json.dumps({"month": self.month, "bases": bases})))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EqualitySnapshot:
        """Read a stored snapshot back, refusing anything but counts under known keys."""
        try:
            tallies = {
                Basis(b): GroupTally(
                    Basis(b),
                    _counts_from_json(body["by_group"]),
                    {
                        Dimension(d): {str(k): _counts_from_json(c) for k, c in rows.items()}
                        for d, rows in body["breakdowns"].items()
                    },
                )
                for b, body in data["bases"].items()
            }
            return cls(str(data["month"]), tallies)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _not_a_snapshot(f"{type(exc).__name__}: {exc}") from None


def _not_a_snapshot(detail: str) -> InvalidInput:
    return InvalidInput(
        "not an equality snapshot", reasons=[Reason("invalid-snapshot", detail, "snapshot")]
    )


def _counts_from_json(data: Mapping[str, object]) -> GroupCounts:
    counts = _zero_counts()
    for key, n in data.items():
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"count for {key!r} is not a non-negative integer")
        counts[EthnicGroup(key)] = n
    return counts


@dataclass(frozen=True)
class GroupChange:
    """One group's count this month and last; ``change`` is None in the first month."""

    group: EthnicGroup
    previous: int | None
    current: int
    change: int | None


def change_since(
    previous: EqualitySnapshot | None,
    current: EqualitySnapshot,
    *,
    basis: Basis = Basis.SELF_DEFINED,
    dimension: Dimension | None = None,
    key: str = "",
) -> tuple[GroupChange, ...]:
    """Change in counts by group since the previous snapshot, force-wide or for one row."""

    def counts(snap: EqualitySnapshot) -> GroupCounts:
        t = snap.tallies[basis]
        return t.by_group if dimension is None else t.counts(dimension, key)

    now = counts(current)
    if previous is None:
        return tuple(GroupChange(g, None, now[g], None) for g in EthnicGroup)
    before = counts(previous)
    return tuple(GroupChange(g, before[g], now[g], now[g] - before[g]) for g in EthnicGroup)
