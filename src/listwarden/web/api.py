"""The JSON API under /api/v1: thin routes that call services and return their results.

Each route is ``async`` and makes one trip to the thread pool, for the use case, which blocks on
the database. A synchronous route would make three (its dependencies, itself, and the validation
of what it returns), each a hand-over of the interpreter between threads that a busy server
pays for in every request; the actor's dependency makes the one other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from listwarden.domain.bcu import BCU_NAMES, BOROUGHS_BY_BCU
from listwarden.domain.social_media import SocialMediaChecklist
from listwarden.domain.vocabulary import PURPOSE_CLASS, Category
from listwarden.services import consult, entries, lists, log_search
from listwarden.web.deps import ActorDep, ConsultActorDep, LogActorDep, UowDep
from listwarden.web.schemas import (
    DpiaBody,
    EntryCreate,
    EvidenceCreate,
    IntelligenceCreate,
    ListCreate,
    ListSearch,
    PersonSearch,
    PolicyDocumentBody,
    Why,
)

router = APIRouter(prefix="/api/v1")


@router.get("/reference", tags=["reference"])
async def reference() -> dict[str, Any]:
    """The controlled vocabularies: BCUs with their boroughs, purposes with their classes."""
    return {
        "bcus": [
            {"code": c, "name": BCU_NAMES[c], "boroughs": list(b)}
            for c, b in BOROUGHS_BY_BCU.items()
        ],
        "purposes": [{"purpose": p.value, "class": c.value} for p, c in PURPOSE_CLASS.items()],
        "categories": [c.value for c in Category],
    }


@router.get("/lists", tags=["lists"])
async def get_lists(uow: UowDep, actor: ActorDep) -> list[lists.ListOverview]:
    return await run_in_threadpool(lists.overviews, uow=uow, actor=actor)


@router.post("/lists", status_code=201, tags=["lists"])
async def post_list(body: ListCreate, uow: UowDep, actor: ActorDep) -> dict[str, str]:
    return {
        "id": await run_in_threadpool(lists.create_list, uow=uow, actor=actor, **body.model_dump())
    }


@router.get("/lists/{list_id}", tags=["lists"])
async def get_list(list_id: str, uow: UowDep, actor: ActorDep) -> lists.ListOverview:
    return await run_in_threadpool(lists.overview, uow=uow, actor=actor, list_id=list_id)


@router.put("/lists/{list_id}/dpia", status_code=204, tags=["lists"])
async def put_dpia(list_id: str, body: DpiaBody, uow: UowDep, actor: ActorDep) -> None:
    await run_in_threadpool(
        lists.record_dpia, uow=uow, actor=actor, list_id=list_id, **body.model_dump()
    )


@router.post("/lists/{list_id}/dpia/approve", status_code=204, tags=["lists"])
async def approve_dpia(list_id: str, uow: UowDep, actor: ActorDep) -> None:
    await run_in_threadpool(lists.approve_dpia, uow=uow, actor=actor, list_id=list_id)


@router.put("/lists/{list_id}/policy-document", status_code=204, tags=["lists"])
async def put_policy_document(
    list_id: str, body: PolicyDocumentBody, uow: UowDep, actor: ActorDep
) -> None:
    await run_in_threadpool(
        lists.record_policy_document, uow=uow, actor=actor, list_id=list_id, **body.model_dump()
    )


@router.post("/lists/{list_id}/authorise", status_code=204, tags=["lists"])
async def authorise(list_id: str, uow: UowDep, actor: ActorDep) -> None:
    await run_in_threadpool(lists.authorise_list, uow=uow, actor=actor, list_id=list_id)


@router.post("/lists/{list_id}/entries", status_code=201, tags=["entries"])
async def post_entry(
    list_id: str, body: EntryCreate, uow: UowDep, actor: ActorDep
) -> dict[str, str]:
    data = body.model_dump()
    purpose = data.pop("purpose")
    entry_id = await run_in_threadpool(
        entries.add_entry,
        uow=uow,
        actor=actor,
        list_id=list_id,
        purpose=purpose,
        item=entries.NewEntry(**data),
    )
    return {"id": entry_id}


@router.post("/lists/{list_id}/entries/search", tags=["entries"])
async def search_entries(
    list_id: str, body: ListSearch, uow: UowDep, actor: ConsultActorDep
) -> consult.SearchPage:
    """A page of entries; each person shown is logged as a consultation."""
    return await run_in_threadpool(
        consult.search_list, uow=uow, actor=actor, list_id=list_id, **body.model_dump()
    )


@router.post("/entries/{entry_id}/consult", tags=["entries"])
async def consult_entry(
    entry_id: str, body: Why, uow: UowDep, actor: ConsultActorDep
) -> consult.EntryView:
    """One entry in full; the purpose and justification travel in the body, never the URL."""
    return await run_in_threadpool(
        consult.consult_entry, uow=uow, actor=actor, entry_id=entry_id, **body.model_dump()
    )


@router.post("/entries/{entry_id}/evidence", status_code=201, tags=["entries"])
async def post_evidence(
    entry_id: str, body: EvidenceCreate, uow: UowDep, actor: ActorDep
) -> dict[str, str]:
    data = body.model_dump()
    purpose = data.pop("purpose")
    item = entries.NewEvidence(**data)
    return {
        "id": await run_in_threadpool(
            entries.add_evidence,
            uow=uow,
            actor=actor,
            entry_id=entry_id,
            purpose=purpose,
            item=item,
        )
    }


@router.post("/entries/{entry_id}/intelligence", status_code=201, tags=["entries"])
async def post_intelligence(
    entry_id: str, body: IntelligenceCreate, uow: UowDep, actor: ActorDep
) -> dict[str, str]:
    data = body.model_dump(exclude={"checklist"})
    purpose = data.pop("purpose")
    checklist = SocialMediaChecklist(**body.checklist.model_dump()) if body.checklist else None
    item = entries.NewIntelligence(**data, checklist=checklist)
    return {
        "id": await run_in_threadpool(
            entries.add_intelligence,
            uow=uow,
            actor=actor,
            entry_id=entry_id,
            purpose=purpose,
            item=item,
        )
    }


@router.post("/people/search", tags=["entries"])
async def search_people(
    body: PersonSearch, uow: UowDep, actor: ConsultActorDep
) -> list[consult.EntrySummary]:
    """Every entry for one person across the lists the actor may see (logged as combination)."""
    return await run_in_threadpool(consult.find_person, uow=uow, actor=actor, **body.model_dump())


@router.get("/events", tags=["access log"])
async def get_events(
    uow: UowDep,
    actor: LogActorDep,
    subject_id: str | None = None,
    user_id: str | None = None,
    operation: str | None = None,
    list_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after_id: int = Query(default=0, ge=0),
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[log_search.EventView]:
    return await run_in_threadpool(
        log_search.search_events,
        uow=uow,
        actor=actor,
        subject_id=subject_id,
        user_id=user_id,
        operation=operation,
        list_id=list_id,
        since=since,
        until=until,
        after_id=after_id,
        limit=limit,
    )
