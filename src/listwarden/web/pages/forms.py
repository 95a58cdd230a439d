"""Form helpers for the pages: the signed-in actor and CSRF token, errors beside their fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request

from listwarden.domain.access import Actor
from listwarden.domain.errors import ListwardenError
from listwarden.services.users import own_name
from listwarden.web.deps import ActorDep, OptionalActorDep, csrf_token, get_uow
from listwarden.web.pages.errors import sentence


def _remember(request: Request, actor: Actor) -> Actor:
    request.state.actor = actor
    request.state.actor_name = own_name(uow=get_uow(request), actor=actor)
    request.state.csrf_token = csrf_token(request) or ""
    return actor


def signed_in(request: Request, actor: ActorDep) -> Actor:
    """The page's actor; the layout reads it (and the CSRF token for its forms) from the request.

    ``ActorDep`` accepts the session cookie and refuses an unsafe request without the session's
    CSRF token, so every form a page posts is checked before its route runs.
    """
    return _remember(request, actor)


PageActor = Annotated[Actor, Depends(signed_in)]


def maybe_signed_in(request: Request, actor: OptionalActorDep) -> Actor | None:
    """The signed-in actor for a page anyone may see, or None when no credential is sent."""
    return None if actor is None else _remember(request, actor)


MaybeActor = Annotated[Actor | None, Depends(maybe_signed_in)]


@dataclass
class FormErrors:
    """What is wrong with a form, keyed by field id, in the GOV.UK error-summary shape."""

    by_field: dict[str, str] = field(default_factory=dict)

    def add(self, field_id: str, message: str) -> None:
        self.by_field.setdefault(field_id, sentence(message))

    def add_error(
        self,
        error: ListwardenError,
        default_field: str,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        """Put each reason beside the field it names (``aliases`` maps service names to ids)."""
        if not error.reasons:
            self.add(default_field, error.detail)
        for reason in error.reasons:
            name = (aliases or {}).get(reason.field or "", reason.field)
            self.add(_field_id(name, default_field), reason.detail or error.detail)

    def message(self, field_id: str) -> dict[str, str] | None:
        text = self.by_field.get(field_id)
        return {"text": text} if text else None

    def summary(self) -> list[dict[str, str]]:
        return [{"text": text, "href": f"#{fid}"} for fid, text in self.by_field.items()]

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def context(self) -> dict[str, Any]:
        return {"errors": self.summary(), "field_errors": self}


def _field_id(name: str | None, default: str) -> str:
    if not name:
        return default
    return name.replace(".", "-").replace("_", "-")


def entered_date(
    day: str, month: str, year: str, field_id: str, errors: FormErrors, missing: str | None = None
) -> date | None:
    """The date of a GOV.UK date input, or None (with the error beside ``field_id``).

    All three parts blank is no date: an error only when ``missing`` says the date is needed.
    """
    if not (day or month or year):
        if missing:
            errors.add(field_id, missing)
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        errors.add(field_id, "enter a real date, for example 27 3 2007")
        return None
