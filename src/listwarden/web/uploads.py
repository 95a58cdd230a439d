"""An uploaded legacy file, held in a private temporary folder only while it is imported.

The import service reads a file by path (twice: its shape, then its rows), so the upload is
copied into a folder only this process may read, named as the borough named it, and removed
as soon as the import returns or fails. The body limit for the upload is set in ``web/app.py``
(``max_upload_bytes``); the mapping is a small TOML file checked before the upload is copied.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from listwarden.domain.access import Actor
from listwarden.domain.errors import InvalidInput, Reason
from listwarden.ingest.mapping_file import read_mapping
from listwarden.services.imports import ImportReport, import_file
from listwarden.services.unit_of_work import UnitOfWork

SUFFIXES = frozenset({".csv", ".xlsx", ".xlsm", ".xls", ".ods"})
MAX_MAPPING_BYTES = 64_000


def _safe_name(name: str) -> str:
    """The file's own name without any folder, in characters safe in a path."""
    base = Path(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .")
    return cleaned[:120] or "upload"


def _required_upload(name: str | None, field: str, what: str) -> str:
    if not name:
        raise InvalidInput(
            f"choose {what}", reasons=[Reason(f"{field}-missing", f"choose {what}", field)]
        )
    return name


def import_upload(
    *,
    uow: UnitOfWork,
    actor: Actor,
    list_id: str,
    file_name: str | None,
    file: BinaryIO,
    mapping: bytes | None,
    purpose: str | None,
    dry_run: bool,
) -> ImportReport:
    """Import one uploaded file with its mapping; the copy on disk is always removed."""
    name = _safe_name(_required_upload(file_name, "file", "the file to import"))
    if not list_id.strip():
        raise InvalidInput(
            "choose the list to import into",
            reasons=[Reason("list-missing", "choose the list to import into", "list_id")],
        )
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput(
            f"cannot import a {suffix or 'suffix-less'} file",
            reasons=[
                Reason("file-type-unsupported", "use .csv, .xlsx, .xlsm, .xls or .ods", "file")
            ],
        )
    if not mapping:
        raise InvalidInput(
            "choose the column mapping file",
            reasons=[Reason("mapping-missing", "choose the column mapping file", "mapping")],
        )
    if len(mapping) > MAX_MAPPING_BYTES:
        raise InvalidInput(
            "the column mapping file is too large",
            reasons=[Reason("mapping-too-large", f"at most {MAX_MAPPING_BYTES} bytes", "mapping")],
        )
    columns = read_mapping(mapping)
    with tempfile.TemporaryDirectory(prefix="listwarden-import-") as folder:
        path = Path(folder) / name
        with path.open("wb") as out:
            path.chmod(0o600)
            shutil.copyfileobj(file, out)
        return import_file(
            uow=uow,
            actor=actor,
            list_id=list_id.strip(),
            purpose=purpose or None,
            path=path,
            mapping=columns,
            dry_run=dry_run,
        )
