"""Each Annex 1 step's status from its checks, and the change since last month."""

from __future__ import annotations

from listwarden.domain.compliance import (
    NOT_YET_EVIDENCED,
    REGISTRY,
    AnnexStep,
    CheckResult,
    CheckStatus,
)
from listwarden.domain.progress import Change, annex_progress, change, combined_status

PASS, FAIL, UNKNOWN = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.NOT_YET_EVIDENCED


def test_one_failing_check_fails_a_step_and_an_unknown_one_is_never_a_pass() -> None:
    assert combined_status([PASS, PASS]) is PASS
    assert combined_status([PASS, UNKNOWN]) is UNKNOWN
    assert combined_status([UNKNOWN, FAIL, PASS]) is FAIL
    assert combined_status([]) is UNKNOWN


def test_the_change_since_last_month() -> None:
    assert change(None, PASS) is Change.FIRST
    assert change(FAIL, PASS) is Change.IMPROVED
    assert change(PASS, UNKNOWN) is Change.WORSENED
    assert change(FAIL, FAIL) is Change.UNCHANGED


def test_every_step_is_reported_against_last_month() -> None:
    results = {c.id: CheckResult(PASS, {"count": 0}) for c in REGISTRY.checks}
    results["lists-without-current-dpia"] = CheckResult(FAIL, {"count": 1, "ids": ("list-1",)})
    results["bcus-not-audited"] = NOT_YET_EVIDENCED
    previous = {"dpia": "pass", "audits": "fail"}
    steps = {s.key: s for s in annex_progress(REGISTRY, results, previous)}
    assert list(steps) == [s.value for s in AnnexStep]
    assert (steps["dpia"].status, steps["dpia"].change) == (FAIL, Change.WORSENED)
    assert steps["dpia"].failing == ("lists-without-current-dpia",)
    assert (steps["audits"].status, steps["audits"].change) == (UNKNOWN, Change.IMPROVED)
    assert steps["encryption"].change is Change.FIRST
