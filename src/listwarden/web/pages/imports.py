"""Importing a legacy list in the browser: upload with its mapping, dry run, report, quarantine.

The form posts the file and its column mapping (multipart, with the CSRF token); a dry run
checks every row and writes nothing. The report counts what loaded and what was quarantined
and why; the quarantine of each import can be downloaded, to be fixed and imported again (the
read is logged by the service). The page path has the larger upload body limit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from listwarden.domain.errors import InvalidInput, ListwardenError
from listwarden.domain.vocabulary import ListStatus
from listwarden.reports.render import csv_text
from listwarden.services import lists, quarantine
from listwarden.web.deps import UowDep
from listwarden.web.pages.forms import FormErrors, PageActor
from listwarden.web.templating import render
from listwarden.web.uploads import MAX_MAPPING_BYTES, import_upload

IMPORT_PAGE_PATH = "/imports"

router = APIRouter()
FIELD_IDS = {"list_id": "list-id", "file": "file", "mapping": "mapping", "purpose": "purpose"}


def _page(
    request: Request,
    uow: UowDep,
    actor: PageActor,
    *,
    answers: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    report: object | None = None,
    status: int = 200,
) -> HTMLResponse:
    runs = quarantine.imports_for(uow=uow, actor=actor)
    open_lists = [
        o for o in lists.overviews(uow=uow, actor=actor) if o.status is ListStatus.AUTHORISED
    ]
    return render(
        request,
        "imports/index.html",
        {
            "lists": open_lists,
            "runs": runs,
            "answers": answers or {},
            "report": report,
            **(errors or FormErrors()).context(),
        },
        status=status,
    )


@router.get(IMPORT_PAGE_PATH, response_class=HTMLResponse)
def import_page(request: Request, uow: UowDep, actor: PageActor) -> HTMLResponse:
    return _page(request, uow, actor)


@router.post(IMPORT_PAGE_PATH, response_class=HTMLResponse)
def upload(
    request: Request,
    uow: UowDep,
    actor: PageActor,
    list_id: Annotated[str, Form()] = "",
    mode: Annotated[str, Form()] = "dry_run",
    file: Annotated[UploadFile | None, File()] = None,
    mapping: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """A dry run or an import; the report, or every problem beside its field."""
    answers = {"list_id": list_id, "mode": mode}
    errors = FormErrors()
    chosen = file is not None and bool(file.filename) and bool(file.size)
    for field_id, given, message in (
        ("list-id", bool(list_id), "choose the list to import into"),
        ("file", chosen, "choose the file to import"),
        ("mapping", mapping is not None and bool(mapping.filename), "choose the mapping file"),
    ):
        if not given:
            errors.add(field_id, message)
    if errors:
        return _page(request, uow, actor, answers=answers, errors=errors, status=422)
    assert file is not None
    try:
        report = import_upload(
            uow=uow,
            actor=actor,
            list_id=list_id,
            file_name=file.filename,
            file=file.file,
            mapping=mapping.file.read(MAX_MAPPING_BYTES + 1) if mapping is not None else None,
            purpose=None,
            dry_run=mode != "import",
        )
    except InvalidInput as error:
        errors.add_error(error, "file", FIELD_IDS)
        return _page(request, uow, actor, answers=answers, errors=errors, status=422)
    except ListwardenError as error:
        if error.reasons and error.reasons[0].code.endswith("not-found"):
            errors.add("list-id", "choose a list you may import into")
            return _page(request, uow, actor, answers=answers, errors=errors, status=422)
        raise
    return _page(request, uow, actor, answers=answers, report=report)


@router.post("/imports/{import_id}/quarantine", response_model=None)
def download_quarantine(import_id: str, uow: UowDep, actor: PageActor) -> Response:
    """The quarantined rows with their reasons, as a CSV to fix and import again (logged)."""
    header, rows = quarantine.export_quarantine(uow=uow, actor=actor, import_id=import_id)
    return Response(
        csv_text(header, rows).encode(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="quarantine-{import_id[:8]}.csv"'},
    )
