"""Every page's route, gathered into one router for the app."""

from __future__ import annotations

from fastapi import APIRouter

from listwarden.web.pages import (
    access_log,
    collect,
    entries,
    home,
    imports,
    intelligence,
    lists,
    oversight,
    people,
    reviews,
    rights,
    sharing,
    signin,
)

PAGE_MODULES = (
    signin,
    home,
    lists,
    entries,
    people,
    intelligence,
    collect,
    reviews,
    access_log,
    sharing,
    oversight,
    rights,
    imports,
)
"""One module per journey, each with its own ``router``."""

pages_router = APIRouter(include_in_schema=False)
for module in PAGE_MODULES:
    pages_router.include_router(module.router)
