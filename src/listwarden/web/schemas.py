"""API request bodies (pydantic); unknown fields are refused so typos never pass silently."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Why(Body):
    """The purpose and justification every request that reveals personal data must carry."""

    purpose: str = Field(description="a purpose from the controlled vocabulary")
    justification: str = Field(description="why this is necessary, in the user's own words")


class ListCreate(Body):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    purposes: list[str] = []
    lawful_basis: str = ""
    categories: list[str] = []
    holds_identity_codes: bool = False
    retention_schedule_ref: str = ""
    access_policy_ref: str = ""
    public_notice: str = ""


class DpiaBody(Body):
    description: str
    risks: str
    measures: str
    safeguards: str
    equality_impact: str
    prior_consultation: str | None = None
    review_on: date | None = None


class PolicyDocumentBody(Body):
    kind: str
    reference: str = Field(min_length=1)
    schedule_8_condition: str | None = None


class EntryCreate(Body):
    purpose: str
    given_name: str = Field(min_length=1, max_length=200)
    family_name: str = Field(min_length=1, max_length=200)
    date_of_birth: date
    category: str
    bcu: str
    nicknames: list[str] = Field(default=[], max_length=20)
    address: str | None = Field(default=None, max_length=500)
    iao_approval_by: str | None = None
    safeguarding_referral: str | None = Field(default=None, max_length=100)


class EvidenceCreate(Body):
    purpose: str
    kind: str
    role: str
    occurred_on: date
    description: str = Field(min_length=1, max_length=5000)
    nature: str = "fact"
    gang_related: bool = False
    offence_class: str | None = Field(default=None, max_length=64)


class ChecklistBody(Body):
    """The social-media checklist (law 8): every item is required for a social-media source."""

    platform: str | None = Field(default=None, max_length=200)
    attribution: str | None = Field(default=None, max_length=2000)
    conduct: str | None = Field(default=None, max_length=2000)
    relevance_to_violence: str | None = Field(default=None, max_length=2000)
    corroboration: str | None = Field(default=None, max_length=2000)


class IntelligenceCreate(Body):
    purpose: str
    grading: str
    source_type: str
    source_ref: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=10000)
    reported_on: date
    nature: str = "assessment"
    handling_conditions: str | None = None
    derived_from_id: str | None = None
    checklist: ChecklistBody | None = None


class ListSearch(Why):
    bcu: str | None = None
    category: str | None = None
    band: str | None = None
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=20, ge=1, le=100)


class PersonSearch(Why):
    given_name: str = Field(min_length=1)
    family_name: str = Field(min_length=1)
    date_of_birth: date
