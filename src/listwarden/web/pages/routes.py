"""Every page's route, gathered into one router for the app."""

from __future__ import annotations

from fastapi import APIRouter

from listwarden.web.pages import (
    access_log,
    collect,
    entries,
    home,
    intelligence,
    lists,
    oversight,
    people,
    reviews,
    sharing,
    signin,
)

pages_router = APIRouter(include_in_schema=False)
for module in (
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
):
    pages_router.include_router(module.router)
