"""The oversight reports' API (law 12): the same JSON as ``listwarden report KIND --json``.

Reading a report changes nothing: the monthly report is signed and stored by the command (or
a scheduler), and read here as stored. Equality figures go to equality analysts and the DPO
only; the publication page, its figures after disclosure control, to any account.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from listwarden.domain.equality import Basis
from listwarden.domain.errors import NotFound, Reason
from listwarden.policy.engine import AccessAction
from listwarden.reports.census import load_census_baseline
from listwarden.reports.jsonable import jsonable
from listwarden.services import bcu_audits, compliance, dpia_register, equality, monthly_report
from listwarden.services.access import require_on_register
from listwarden.services.publication import list_pages
from listwarden.web.deps import ActorDep, UowDep

reports_router = APIRouter(prefix="/api/v1/reports", tags=["oversight reports"])


@reports_router.get("/compliance")
def get_compliance(uow: UowDep, actor: ActorDep, bcu: str | None = None) -> Any:
    """Every compliance check with its source, status and evidence (identifiers only)."""
    return jsonable(compliance.compliance_report(uow=uow, actor=actor, bcu=bcu))


@reports_router.get("/dpia")
def get_dpia(uow: UowDep, actor: ActorDep) -> Any:
    """The register of lists and their data protection impact assessments."""
    require_on_register(uow=uow, actor=actor, action=AccessAction.COMPLIANCE_READ)
    return jsonable(dpia_register.dpia_register(uow=uow))


@reports_router.get("/monthly")
def get_monthly(uow: UowDep, actor: ActorDep, month: str | None = None) -> Any:
    """A stored, signed monthly progress report (the latest by default), with its key."""
    require_on_register(uow=uow, actor=actor, action=AccessAction.COMPLIANCE_READ)
    return monthly_report.stored_monthly(uow=uow, month=month).document()


@reports_router.get("/bcu/{bcu}")
def get_bcu_audit(bcu: str, uow: UowDep, actor: ActorDep) -> Any:
    """The latest stored audit of one BCU: its frozen evidence and its findings."""
    require_on_register(uow=uow, actor=actor, action=AccessAction.COMPLIANCE_READ)
    audit_id = bcu_audits.latest_audit_of(uow=uow, bcu=bcu)
    if audit_id is None:
        why = [Reason("audit-not-found", "no audit of this BCU is stored", "bcu")]
        raise NotFound(f"no audit of BCU {bcu.upper()} is stored", reasons=why)
    return jsonable(bcu_audits.audit_view(uow=uow, audit_id=audit_id))


@reports_router.get("/equality")
def get_equality(
    uow: UowDep, actor: ActorDep, bcu: str | None = None, basis: str = "self_defined"
) -> Any:
    """Counts, rates per 1,000 residents and disparity ratios (equality analysts, the DPO)."""
    require_on_register(uow=uow, actor=actor, action=AccessAction.EQUALITY_REPORT)
    chosen: Basis = equality.parse_basis(basis)
    report = equality.equality_report(
        uow=uow, actor=actor, baseline=load_census_baseline(), basis=chosen, bcu=bcu
    )
    return jsonable(report)


@reports_router.get("/publication")
def get_publication(uow: UowDep, actor: ActorDep) -> Any:
    """Each list's public page, its figures after statistical disclosure control."""
    baseline = load_census_baseline()
    return {
        "generated_at": uow.now().isoformat(),
        "baseline": baseline.source,
        "lists": jsonable(list_pages(uow=uow, baseline=baseline)),
    }
