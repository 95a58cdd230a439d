"""Assessment benchmark: explained assessments per second, beside a bare sum of the same points.

The baseline adds up a fixed number of points per scoring item with no criteria, windows, caps
or explanation, so the figure beside it shows what the rules and the itemised reasons cost.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from typing import Any

from listwarden.domain.assessment import EvidenceItem, score
from listwarden.domain.vocabulary import SCORING_ROLES, EvidenceKind, EvidenceRole
from listwarden.policy.assessment import default_framework

OFFENCE_CLASSES = (
    "homicide",
    "firearms",
    "serious_wounding",
    "knife_or_weapon",
    "robbery",
    "violence_with_injury",
    "drug_supply",
    "criminal_damage",
)
ON = date(2025, 1, 1)


def _people(n: int, seed: int = 6) -> list[list[EvidenceItem]]:
    rng = random.Random(seed)
    people = []
    for p in range(n):
        items = []
        for k in range(rng.randint(1, 8)):
            incident = rng.random() < 0.3
            items.append(
                EvidenceItem(
                    id=f"e{p}-{k}",
                    kind=EvidenceKind.INCIDENT if incident else EvidenceKind.OFFENCE,
                    role=rng.choice(list(EvidenceRole)),
                    occurred_on=ON - timedelta(days=rng.randint(0, 1500)),
                    offence_class=None if incident else rng.choice(OFFENCE_CLASSES),
                    gang_related=rng.random() < 0.6,
                    recorded_by=f"u{rng.randint(1, 50)}",
                )
            )
        people.append(items)
    return people


def bench_assessments(n: int = 100_000) -> dict[str, Any]:
    """Score ``n`` synthetic people under each shipped framework; report assessments per second."""
    people = _people(n)
    out: dict[str, Any] = {"people": n, "evidence_items": sum(map(len, people))}
    for name in ("matrix-2018-example", "harm-index-example"):
        framework = default_framework(name)
        start = time.perf_counter()
        for items in people:
            score(items, framework, ON)
        elapsed = time.perf_counter() - start
        out[f"{name}_per_second"] = round(n / elapsed)
    start = time.perf_counter()
    for items in people:
        sum(5 for i in items if i.role in SCORING_ROLES and 0 <= (ON - i.occurred_on).days < 1095)
    out["bare_sum_per_second"] = round(n / (time.perf_counter() - start))
    return out
