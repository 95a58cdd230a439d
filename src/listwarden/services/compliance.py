"""The compliance report (law 12): every registered check run over the register's own facts.

The report holds identifiers and counts only. For one BCU, the facts about entries and their
intelligence are narrowed to that BCU's entries; the others (lists, users, the log) concern the
force as a whole and are kept whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select

from listwarden.domain.access import Actor
from listwarden.domain.bcu import require_bcu
from listwarden.domain.compliance import REGISTRY, CheckStatus, ComplianceFacts
from listwarden.domain.progress import StepProgress, annex_progress, law_progress
from listwarden.policy.engine import AccessAction
from listwarden.services.access import require_on_register
from listwarden.services.compliance_facts import FactQuery, gather_facts
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.tables import Entry, IntelligenceItem

FORCE = "force"
ENTRY_FACTS = (
    "entries_overdue_for_review",
    "zero_score_entries_past_removal",
    "entries_with_disallowed_category",
    "uncorroborated_nominals",
    "child_entries_missing_safeguards",
    "entries_without_monitoring_record",
)
INTELLIGENCE_FACTS = ("social_media_items_without_checklist",)


@dataclass(frozen=True)
class CheckOutcome:
    """One check as reported: what it is, its source, its verdict and its evidence."""

    id: str
    title: str
    source: str
    severity: str
    laws: list[int]
    annex_steps: list[str]
    status: str
    evidence: dict[str, Any]


@dataclass(frozen=True)
class ComplianceReport:
    generated_at: datetime
    scope: str  # "force" or a BCU code
    checks: list[CheckOutcome]
    steps: list[StepProgress] = field(default_factory=list)
    laws: list[StepProgress] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many checks are in each status (every status named, zero included)."""
        out = dict.fromkeys((s.value for s in CheckStatus), 0)
        for c in self.checks:
            out[c.status] += 1
        return out

    def findings(self) -> list[CheckOutcome]:
        """Failing checks, the most severe first."""
        order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
        failing = [c for c in self.checks if c.status == CheckStatus.FAIL.value]
        return sorted(failing, key=lambda c: (order[c.severity], -int(c.evidence.get("count", 1))))


def oversight_queries() -> list[FactQuery]:
    """The fact queries of the guidance register and BCU audits."""
    from listwarden.services.bcu_audits import audit_facts
    from listwarden.services.guidance import guidance_facts

    return [guidance_facts, audit_facts]


def compliance_report(
    *,
    uow: UnitOfWork,
    actor: Actor | None,
    bcu: str | None = None,
    verify_log: bool = True,
    extra: Iterable[FactQuery] | None = None,
) -> ComplianceReport:
    """Run every check; ``actor`` None is the installation's operator at the command line."""
    if actor is not None:
        require_on_register(uow=uow, actor=actor, action=AccessAction.COMPLIANCE_READ)
    scope = FORCE if bcu is None else require_bcu(bcu)
    queries = oversight_queries() if extra is None else list(extra)
    facts = gather_facts(uow=uow, extra=queries, verify_log=verify_log)
    if bcu is not None:
        facts = _narrow_to_bcu(uow, facts, scope)
    return report_from_facts(facts, at=uow.now(), scope=scope)


def report_from_facts(facts: ComplianceFacts, *, at: datetime, scope: str) -> ComplianceReport:
    results = REGISTRY.run_all(facts)
    checks = [
        CheckOutcome(
            c.id,
            c.title,
            c.source,
            c.severity.value,
            sorted(c.laws),
            sorted(s.value for s in c.annex_steps),
            results[c.id].status.value,
            dict(results[c.id].evidence),
        )
        for c in REGISTRY.checks
    ]
    return ComplianceReport(
        at,
        scope,
        checks,
        list(annex_progress(REGISTRY, results)),
        list(law_progress(REGISTRY, results)),
    )


def _narrow_to_bcu(uow: UnitOfWork, facts: ComplianceFacts, bcu: str) -> ComplianceFacts:
    """Keep, of the entry and intelligence facts, only what concerns ``bcu``'s entries."""
    with uow.read_only() as session:
        changes: dict[str, tuple[str, ...]] = {}
        for name in ENTRY_FACTS + INTELLIGENCE_FACTS:
            ids = getattr(facts, name)
            if ids is None:
                continue
            column = Entry.id if name in ENTRY_FACTS else IntelligenceItem.id
            kept: set[str] = set()
            for start in range(0, len(ids), 500):
                query = select(column).where(column.in_(ids[start : start + 500]))
                if name in INTELLIGENCE_FACTS:
                    query = query.join(Entry, Entry.id == IntelligenceItem.entry_id)
                kept.update(session.scalars(query.where(Entry.bcu == bcu)))
            changes[name] = tuple(sorted(kept))
    return replace(facts, **changes)  # type: ignore[arg-type]
