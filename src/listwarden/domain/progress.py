"""Law 12's progress: each Annex 1 step and each law, judged from its checks, against last month.

A step passes only when every check evidencing it passes; one failing check fails it; a check
not yet evidenced leaves it "not yet evidenced", never a pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from listwarden.domain.compliance import (
    ANNEX_STEP_TEXT,
    LAWS,
    AnnexStep,
    CheckRegistry,
    CheckResult,
    CheckStatus,
)

_RANK = {CheckStatus.PASS: 2, CheckStatus.NOT_YET_EVIDENCED: 1, CheckStatus.FAIL: 0}


class Change(StrEnum):
    """How a step's status moved since the previous report."""

    FIRST = "first_report"
    IMPROVED = "improved"
    WORSENED = "worsened"
    UNCHANGED = "unchanged"


def combined_status(statuses: Iterable[CheckStatus]) -> CheckStatus:
    """Fail if any fails; else not yet evidenced if any is (or there is none); else pass."""
    found = list(statuses)
    if not found:
        return CheckStatus.NOT_YET_EVIDENCED
    return min(found, key=_RANK.__getitem__)


def change(previous: CheckStatus | None, current: CheckStatus) -> Change:
    if previous is None:
        return Change.FIRST
    if _RANK[current] == _RANK[previous]:
        return Change.UNCHANGED
    return Change.IMPROVED if _RANK[current] > _RANK[previous] else Change.WORSENED


@dataclass(frozen=True)
class StepProgress:
    """One Annex 1 step (or one law): its status, its checks, and the change since last month."""

    key: str
    text: str
    status: CheckStatus
    checks: tuple[str, ...]
    failing: tuple[str, ...]
    previous: CheckStatus | None
    change: Change


def _row(
    key: str,
    text: str,
    check_ids: tuple[str, ...],
    results: Mapping[str, CheckResult],
    previous: Mapping[str, str] | None,
) -> StepProgress:
    status = combined_status(results[c].status for c in check_ids)
    before = None if previous is None or key not in previous else CheckStatus(previous[key])
    failing = tuple(c for c in check_ids if results[c].status is CheckStatus.FAIL)
    return StepProgress(key, text, status, check_ids, failing, before, change(before, status))


def annex_progress(
    registry: CheckRegistry,
    results: Mapping[str, CheckResult],
    previous: Mapping[str, str] | None = None,
) -> tuple[StepProgress, ...]:
    """Every Annex 1 step in the notice's order; ``previous`` maps step to last month's status."""
    _, by_step = registry.coverage()
    return tuple(
        _row(s.value, ANNEX_STEP_TEXT[s], by_step[s], results, previous) for s in AnnexStep
    )


def law_progress(
    registry: CheckRegistry,
    results: Mapping[str, CheckResult],
    previous: Mapping[str, str] | None = None,
) -> tuple[StepProgress, ...]:
    """Every law of DESIGN.md by number (keys ``law-1`` … ``law-12``)."""
    by_law, _ = registry.coverage()
    return tuple(_row(f"law-{n}", f"Law {n}", by_law[n], results, previous) for n in LAWS)
