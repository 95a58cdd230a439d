"""Importing a legacy list through the API: upload, dry run, report, and the quarantine.

``POST /api/v1/imports`` takes a multipart form: the list, the file (CSV, xlsx or ods), its
column mapping (TOML), an optional purpose and ``dry_run``. Whoever may collect onto the list
may import into it (decided by the import service, row by row, like any collection). The body
limit of this one path is ``max_upload_bytes``; everywhere else it is ``max_body_bytes``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Response, UploadFile

from listwarden.reports.jsonable import jsonable
from listwarden.services import quarantine
from listwarden.web.deps import ActorDep, ConsultActorDep, UowDep
from listwarden.web.uploads import MAX_MAPPING_BYTES, import_upload

IMPORTS_PATH = "/api/v1/imports"

imports_router = APIRouter(prefix="/api/v1", tags=["imports"])


@imports_router.post("/imports", status_code=201)
def post_import(
    response: Response,
    uow: UowDep,
    actor: ActorDep,
    list_id: Annotated[str, Form(description="the list to import into")],
    file: Annotated[UploadFile, File(description="the CSV, xlsx or ods file")],
    mapping: Annotated[UploadFile, File(description="the column mapping file (TOML)")],
    purpose: Annotated[str, Form(description="default: the list's first purpose")] = "",
    dry_run: Annotated[bool, Form(description="check every row and report; write nothing")] = (
        False
    ),
) -> Any:
    """Lawful rows load as legacy-unreviewed; the rest are quarantined, each with its reasons."""
    report = import_upload(
        uow=uow,
        actor=actor,
        list_id=list_id,
        file_name=file.filename,
        file=file.file,
        mapping=mapping.file.read(MAX_MAPPING_BYTES + 1),
        purpose=purpose,
        dry_run=dry_run,
    )
    if dry_run:
        response.status_code = 200
    return jsonable(report)


@imports_router.get("/imports")
def get_imports(uow: UowDep, actor: ActorDep) -> list[quarantine.ImportView]:
    """Every import into the lists the actor may collect onto, with its counts and reasons."""
    return quarantine.imports_for(uow=uow, actor=actor)


@imports_router.get("/imports/{import_id}/quarantine")
def get_quarantine(import_id: str, uow: UowDep, actor: ConsultActorDep) -> dict[str, Any]:
    """An import's quarantined rows, opened to be fixed, each with its reasons (logged)."""
    header, rows = quarantine.export_quarantine(uow=uow, actor=actor, import_id=import_id)
    return {"import_id": import_id, "header": header, "rows": rows}
