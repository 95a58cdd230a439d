"""Sharing under agreements through the API (law 6): recipients, agreements, disclosures.

A disclosure's package comes back once, base64 in the response; the register keeps its digest,
never the package. Refusals are problems listing every reason.
"""

from __future__ import annotations

import base64
from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import Field

from listwarden.services import disclosures, sharing, sharing_notices, sharing_review
from listwarden.web.deps import ActorDep, UowDep
from listwarden.web.schemas import Body

share_router = APIRouter(prefix="/api/v1", tags=["sharing"])


class RecipientCreate(Body):
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(description="law_enforcement, statutory or non_statutory")
    notice_contact: str = Field(description="contact for notices (s.48)")
    age_public_key: str = Field(description="the recipient's age X25519 key, age1…")
    statutory_function: str | None = None
    organisation_type: str | None = None


class AgreementCreate(Body):
    title: str = Field(min_length=1, max_length=200)
    parties: list[str]
    purposes: list[str]
    lawful_basis: str
    categories: list[str]
    bands: list[str]
    fields: list[str]
    recipient_retention_days: int
    recipient_deletion: str
    security_conditions: str
    valid_from: date
    valid_until: date
    review_on: date
    zero_score: bool = False
    unassessed: bool = False
    honours_handling_conditions: bool = False
    intelligence_justification: str | None = None


class AgreementApproval(Body):
    intelligence_permission: bool = Field(
        default=False, description="also approve intelligence to non-statutory parties"
    )


class Revocation(Body):
    reason: str


class DisclosureCreate(Body):
    recipient_id: str
    agreement_id: str
    purpose: str
    entry_ids: list[str] = Field(description="each entry named: a disclosure is never of all")
    fields: list[str]
    justification: str
    entry_justifications: dict[str, str] = Field(
        default_factory=dict, description="for an enforcement purpose, one per entry"
    )


class NoticesSent(Body):
    ids: list[str] = Field(min_length=1, description="the notices sent to their recipients")


class Fragment(Body):
    rows: list[dict[str, str]] = Field(description="the leaked rows, as column -> cell")


def _outcome(outcome: disclosures.DisclosureOutcome) -> dict[str, Any]:
    body = {k: v for k, v in asdict(outcome).items() if k != "package"}
    body["package_base64"] = (
        base64.b64encode(outcome.package).decode() if outcome.package is not None else None
    )
    return body


@share_router.get("/recipients")
def get_recipients(uow: UowDep, actor: ActorDep) -> list[sharing.RecipientView]:
    return sharing.list_recipients(uow=uow, actor=actor)


@share_router.post("/recipients", status_code=201)
def post_recipient(body: RecipientCreate, uow: UowDep, actor: ActorDep) -> dict[str, str]:
    return {"id": sharing.register_recipient(uow=uow, actor=actor, **body.model_dump())}


@share_router.post("/recipients/{recipient_id}/approve", status_code=204)
def approve_recipient(recipient_id: str, uow: UowDep, actor: ActorDep) -> None:
    sharing.approve_recipient(uow=uow, actor=actor, recipient_id=recipient_id)


@share_router.get("/agreements")
def get_agreements(uow: UowDep, actor: ActorDep) -> list[sharing.AgreementView]:
    return sharing.list_agreements(uow=uow, actor=actor)


@share_router.post("/agreements", status_code=201)
def post_agreement(body: AgreementCreate, uow: UowDep, actor: ActorDep) -> dict[str, str]:
    terms = sharing.NewAgreement(**body.model_dump())
    return {"id": sharing.draft_agreement(uow=uow, actor=actor, terms=terms)}


@share_router.post("/agreements/{agreement_id}/approve", status_code=204)
def approve_agreement(
    agreement_id: str, uow: UowDep, actor: ActorDep, body: AgreementApproval | None = None
) -> None:
    sharing.approve_agreement(
        uow=uow,
        actor=actor,
        agreement_id=agreement_id,
        approve_intelligence_permission=bool(body and body.intelligence_permission),
    )


@share_router.post("/agreements/{agreement_id}/revoke", status_code=204)
def revoke_agreement(agreement_id: str, body: Revocation, uow: UowDep, actor: ActorDep) -> None:
    sharing.revoke_agreement(uow=uow, actor=actor, agreement_id=agreement_id, reason=body.reason)


@share_router.post("/disclosures", status_code=201)
def post_disclosure(body: DisclosureCreate, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Disclose named entries; 201 with the package, or awaiting a second approval."""
    ask = disclosures.DisclosureAsk(**body.model_dump())
    return _outcome(disclosures.request_disclosure(uow=uow, actor=actor, ask=ask))


@share_router.post("/disclosures/{request_id}/approve")
def approve_disclosure(request_id: str, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """The second IRU approval of more than 20 entries; the package on success."""
    return _outcome(disclosures.approve_disclosure(uow=uow, actor=actor, request_id=request_id))


@share_router.post("/disclosures/{request_id}/decline", status_code=204)
def decline_disclosure(request_id: str, body: Revocation, uow: UowDep, actor: ActorDep) -> None:
    """The second approver declines a request of more than 20 entries; it is kept as refused."""
    disclosures.decline_disclosure(uow=uow, actor=actor, request_id=request_id, reason=body.reason)


@share_router.post("/disclosures/attribute")
def attribute(body: Fragment, uow: UowDep, actor: ActorDep) -> dict[str, Any]:
    """Name the disclosure behind a leaked fragment: by row tags, or by its people and fields."""
    found = sharing_review.attribute_leak(uow=uow, actor=actor, rows=body.rows)
    return {**asdict(found), "fields": sorted(found.fields), "method": found.method}


@share_router.get("/sharing/review")
def review(uow: UowDep, actor: ActorDep) -> sharing_review.SharingReview:
    """The full review of all data sharing, with every refused attempt."""
    return sharing_review.review_sharing(uow=uow, actor=actor)


@share_router.get("/sharing/notices")
def get_notices(uow: UowDep, actor: ActorDep) -> list[sharing_notices.Notice]:
    """Erasures, rectifications and restrictions still to tell recipients of (s.48)."""
    return sharing_notices.pending_notices(uow=uow, actor=actor)


@share_router.post("/sharing/notices/sent")
def post_notices_sent(body: NoticesSent, uow: UowDep, actor: ActorDep) -> dict[str, int]:
    return {"sent": sharing_notices.mark_sent(uow=uow, actor=actor, notice_ids=body.ids)}
