"""Benchmark of the pure equality aggregation beside a bare ``collections.Counter``.

Both sides receive the same list of monitoring tuples, one per entry, each a distinct object
as rows from a database would be. The peer only counts them; ``tally_records`` counts them and
then maps each distinct combination to groups on both bases and every breakdown. Figures and
the protected publication table are timed apart: they work on the tally, not on the entries.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from listwarden.domain.bcu import BCU_OF_BOROUGH, BOROUGHS_BY_BCU
from listwarden.domain.disclosure_control import publish_breakdown
from listwarden.domain.equality import (
    CENSUS_GROUPS,
    AgeBand,
    Basis,
    Dimension,
    MonitoringRecord,
    PopulationBaseline,
    area_figures,
    tally_records,
)
from listwarden.domain.monitoring import IdentityCode, SelfDefinedEthnicity
from listwarden.domain.vocabulary import Band, Category

# Roughly the documented Matrix: most people recorded as Black, some unknown.
_ETHNICITY_WEIGHTS = {
    SelfDefinedEthnicity.BLACK_CARIBBEAN: 38,
    SelfDefinedEthnicity.BLACK_AFRICAN: 30,
    SelfDefinedEthnicity.BLACK_OTHER: 10,
    SelfDefinedEthnicity.WHITE_BRITISH: 6,
    SelfDefinedEthnicity.WHITE_OTHER: 2,
    SelfDefinedEthnicity.MIXED_WHITE_BLACK_CARIBBEAN: 3,
    SelfDefinedEthnicity.ASIAN_BANGLADESHI: 3,
    SelfDefinedEthnicity.OTHER_ANY: 1,
    SelfDefinedEthnicity.NOT_STATED: 7,
}
_CODE_WEIGHTS = {
    IdentityCode.IC3: 78,
    IdentityCode.IC1: 8,
    IdentityCode.IC4: 4,
    IdentityCode.IC6: 1,
    IdentityCode.IC9: 9,
}


def synthetic_records(n: int, *, seed: int = 9) -> list[MonitoringRecord]:
    """``n`` synthetic monitoring tuples over two lists, 12 BCUs, bands and age bands."""
    rng = random.Random(seed)
    columns = (
        rng.choices(["matrix", "safeguarding"], weights=[9, 1], k=n),
        rng.choices([Category.SUSPECTED, Category.CONVICTED, Category.VICTIM], [6, 3, 1], k=n),
        rng.choices(list(BOROUGHS_BY_BCU), k=n),
        rng.choices([Band.RED, Band.AMBER, Band.GREEN, None], weights=[5, 25, 64, 6], k=n),
        rng.choices(list(AgeBand), weights=[3, 12, 84, 1], k=n),
        rng.choices(list(_CODE_WEIGHTS), weights=list(_CODE_WEIGHTS.values()), k=n),
        rng.choices(list(_ETHNICITY_WEIGHTS), weights=list(_ETHNICITY_WEIGHTS.values()), k=n),
    )
    return list(map(MonitoringRecord, *columns))


def _best_of(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_equality(n_entries: int = 1_000_000, *, runs: int = 3, seed: int = 9) -> dict[str, Any]:
    """Entries aggregated per second by ``tally_records`` and by a bare ``Counter``, same run."""
    records = synthetic_records(n_entries, seed=seed)
    counter_s = _best_of(runs, lambda: Counter(records))
    tally_s = _best_of(runs, lambda: tally_records(records))
    tallies = tally_records(records)
    baseline = PopulationBaseline(
        "synthetic", {b: dict.fromkeys(CENSUS_GROUPS, 10_000) for b in BCU_OF_BOROUGH}
    )
    self_defined = tallies[Basis.SELF_DEFINED]

    def report() -> None:
        area_figures(self_defined, baseline)
        for dimension in Dimension:
            publish_breakdown(self_defined, dimension, baseline)

    report_s = _best_of(runs, report)
    return {
        "entries": n_entries,
        "distinct_tuples": len(Counter(records)),
        "runs": runs,
        "tally_seconds": round(tally_s, 4),
        "tally_entries_per_second": round(n_entries / tally_s),
        "counter_seconds": round(counter_s, 4),
        "counter_entries_per_second": round(n_entries / counter_s),
        "tally_over_counter": round(tally_s / counter_s, 3),
        "figures_and_publication_seconds": round(report_s, 4),
    }
