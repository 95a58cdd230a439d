"""Importing a legacy list in the browser: upload with its mapping, dry run, report, quarantine."""

from __future__ import annotations

from fastapi import APIRouter

IMPORT_PAGE_PATH = "/imports"

router = APIRouter()
