"""The 3x5x2 intelligence grading: source evaluation, intelligence assessment, handling code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from listwarden.domain.errors import InvalidInput, Reason

_PATTERN = re.compile(r"^([1-3])([A-E])([PC])$")


@dataclass(frozen=True)
class Grading:
    """A validated grading such as ``2B P`` or ``1A C`` with its handling conditions.

    Source: 1 reliable, 2 untested, 3 not reliable. Intelligence: A known directly to the source,
    B known indirectly but corroborated, C known indirectly, D not known, E suspected false.
    Handling: P lawful sharing permitted; C lawful sharing permitted with conditions, which must
    then be stated.
    """

    source: int
    intelligence: str
    handling: str
    conditions: str | None = None

    @property
    def code(self) -> str:
        return f"{self.source}{self.intelligence}{self.handling}"


def parse_grading(code: str, conditions: str | None = None) -> Grading:
    """Parse ``code`` (``1A P``, ``2BC``…) or refuse it naming what is wrong."""
    if isinstance(code, str) and (conditions is None or isinstance(conditions, str)):
        return _parse_text(code, conditions)
    return _parse(code, conditions)


@lru_cache(maxsize=4096)
def _parse_text(code: str, conditions: str | None) -> Grading:
    # A list repeats a few dozen gradings over and over (an import checks each item twice):
    # parse each once. A refusal is raised afresh every time, never remembered.
    return _parse(code, conditions)


def _parse(code: str, conditions: str | None) -> Grading:
    compact = code.replace(" ", "").upper() if isinstance(code, str) else ""
    match = _PATTERN.match(compact)
    if match is None:
        raise InvalidInput(
            f"invalid 3x5x2 grading {code!r}",
            reasons=[
                Reason(
                    "invalid-grading",
                    "grading is a source evaluation 1-3, an intelligence assessment A-E and a "
                    "handling code P or C, for example '2B P'",
                    "grading",
                )
            ],
        )
    source, intelligence, handling = match.groups()
    cleaned = conditions.strip() if conditions else None
    if handling == "C" and not cleaned:
        raise InvalidInput(
            "handling code C needs its conditions",
            reasons=[
                Reason(
                    "handling-conditions-missing",
                    "a C handling code must state the conditions on sharing",
                    "handling_conditions",
                )
            ],
        )
    if handling == "P" and cleaned:
        raise InvalidInput(
            "handling code P takes no conditions",
            reasons=[
                Reason(
                    "handling-conditions-unexpected",
                    "conditions are given only with handling code C",
                    "handling_conditions",
                )
            ],
        )
    return Grading(int(source), intelligence, handling, cleaned)
