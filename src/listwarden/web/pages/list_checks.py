"""A list's authorisation checks (law 1) as rows a person can read: each met or what is missing."""

from __future__ import annotations

from dataclasses import dataclass

from listwarden.domain.vocabulary import ListStatus
from listwarden.services.lists import ListOverview

# Each check, and the prefixes of the gap codes (domain/lists.py) that mean it is not met.
CHECKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("A named owner", ("owner-missing",)),
    ("Declared purposes and the categories of people they may use", ("purposes-", "categor")),
    ("A lawful basis", ("lawful-basis-",)),
    ("A retention schedule", ("retention-schedule-",)),
    ("An access policy", ("access-policy-",)),
    ("A general notice to the public (s.44)", ("public-notice-",)),
    ("A complete DPIA, approved by someone other than its author and in date", ("dpia-",)),
    (
        "A policy document (s.42 where identity codes are held)",
        ("policy-document-", "appropriate-", "schedule-8-"),
    ),
)


@dataclass(frozen=True)
class Check:
    label: str
    met: bool
    missing: list[str]


def checks_for(overview: ListOverview) -> list[Check]:
    out = []
    for label, prefixes in CHECKS:
        missing = [g.detail for g in overview.authorisation_gaps if g.code.startswith(prefixes)]
        out.append(Check(label, not missing, missing))
    authorised = overview.status in (ListStatus.AUTHORISED, ListStatus.SUSPENDED, ListStatus.CLOSED)
    out.append(
        Check(
            "Authorised by a DPO or Data Board member who is not its owner",
            authorised,
            [] if authorised else ["the list has not been authorised"],
        )
    )
    return out
