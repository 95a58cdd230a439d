"""Who may do what: the expected outcome of every action for every role, written out by hand.

Nothing here is derived from the policies under test. Each outcome was read off DESIGN.md (the
roles table and laws 2, 7 and 9) and written down; ``test_engine_matrix.py`` asserts the engine
against it, and fails when an action or a role has no row.

The world every case is decided in, unless a row says otherwise:
- the acting user ``u-actor`` is assigned BCU ``AS`` (not force-wide), is active, and holds the
  mandatory course, the list's purpose-specific course and a current grant to the list;
- an entry is in ``AS`` ("in") or ``NW`` ("out") and its category is ``suspected``, which every
  purpose class may use, so the purpose-class columns test roles, not law 2 (see CATEGORY_TABLE);
- the list is authorised and owned by ``u-owner``, except for OWNER_ACTIONS, where the acting
  user owns it; an approval's request was made by ``u-requester``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

ROLES = (
    "iao",
    "dpo",
    "data_board",
    "iru",
    "analyst",
    "officer",
    "equality_analyst",
    "auditor",
    "administrator",
)
PURPOSE_CLASSES = ("enforcement", "safeguarding", "investigation", "oversight", "rights")
PURPOSE_OF_CLASS = {
    "enforcement": "gang_violence_reduction",
    "safeguarding": "victim_safeguarding",
    "investigation": "criminal_investigation",
    "oversight": "compliance_audit",
    "rights": "subject_access",
}
IN_BCU, OUT_OF_BCU = "AS", "NW"
ACTOR_BCUS = frozenset({IN_BCU})

APPROVALS = frozenset(
    {
        "list:authorise",
        "dpia:approve",
        "grant:recertify",
        "disclosure:approve",
        "agreement:approve",
        "recipient:approve",
        "gang:approve",
        "framework:approve",
    }
)
OWNER_ACTIONS = frozenset({"list:alter", "grant:recertify"})

# The tables are aligned by hand so that a reader can check them column by column.
# fmt: off
_ROLE_DOES_NOTHING = "N N  N N  N N  N N  N N"

# Actions on one entry, for a purpose. Columns: purpose class, then whether the entry is in the
# actor's BCU (in) or outside it (out).
#                              enforcement safeguarding investigation oversight  rights
#                               in out      in out       in out        in out     in out
ENTRY_ACTIONS: dict[str, dict[str, str]] = {
    "entry:collect": {
        "iao":                  "Y Y  Y Y  Y Y  Y Y  N N",
        "dpo":                  _ROLE_DOES_NOTHING,
        "data_board":           _ROLE_DOES_NOTHING,
        "iru":                  _ROLE_DOES_NOTHING,
        "analyst":              "Y N  Y N  Y N  N N  N N",
        "officer":              _ROLE_DOES_NOTHING,
        "equality_analyst":     _ROLE_DOES_NOTHING,
        "auditor":              _ROLE_DOES_NOTHING,
        "administrator":        _ROLE_DOES_NOTHING,
    },
    "entry:consult": {
        "iao":                  "Y Y  Y Y  Y Y  Y Y  N N",
        "dpo":                  "N N  N N  N N  Y Y  Y Y",
        "data_board":           _ROLE_DOES_NOTHING,
        "iru":                  "N N  N N  N N  N N  Y Y",
        "analyst":              "Y N  Y N  Y N  N N  N N",
        "officer":              "Y N  Y N  Y N  N N  N N",
        "equality_analyst":     _ROLE_DOES_NOTHING,
        "auditor":              "N N  N N  N N  Y Y  N N",
        "administrator":        _ROLE_DOES_NOTHING,
    },
    "entry:alter": {
        "iao":                  "Y Y  Y Y  Y Y  Y Y  N N",
        "dpo":                  _ROLE_DOES_NOTHING,
        "data_board":           _ROLE_DOES_NOTHING,
        "iru":                  "N N  N N  N N  N N  Y Y",
        "analyst":              "Y N  Y N  Y N  N N  N N",
        "officer":              _ROLE_DOES_NOTHING,
        "equality_analyst":     _ROLE_DOES_NOTHING,
        "auditor":              _ROLE_DOES_NOTHING,
        "administrator":        _ROLE_DOES_NOTHING,
    },
    "entry:erase": {
        "iao":                  "Y Y  Y Y  Y Y  Y Y  N N",
        "dpo":                  _ROLE_DOES_NOTHING,
        "data_board":           _ROLE_DOES_NOTHING,
        "iru":                  "N N  N N  N N  N N  Y Y",
        "analyst":              _ROLE_DOES_NOTHING,
        "officer":              _ROLE_DOES_NOTHING,
        "equality_analyst":     _ROLE_DOES_NOTHING,
        "auditor":              _ROLE_DOES_NOTHING,
        "administrator":        _ROLE_DOES_NOTHING,
    },
    "disclosure:create": {
        "iao":                  "Y Y  Y Y  Y Y  Y Y  N N",
        "dpo":                  _ROLE_DOES_NOTHING,
        "data_board":           _ROLE_DOES_NOTHING,
        "iru":                  "N N  N N  N N  N N  Y Y",
        "analyst":              "Y N  Y N  Y N  N N  N N",
        "officer":              _ROLE_DOES_NOTHING,
        "equality_analyst":     _ROLE_DOES_NOTHING,
        "auditor":              _ROLE_DOES_NOTHING,
        "administrator":        _ROLE_DOES_NOTHING,
    },
}

# Actions on a whole list, and on the register as a whole: no purpose, no BCU.
#                                  iao dpo board iru analyst officer equality auditor admin
LIST_ACTIONS: dict[str, str] = {
    "list:read":                   "Y   Y   Y     Y   Y       Y       Y        Y       Y",
    "list:alter":                  "Y   N   N     N   N       N       N        N       N",
    "list:authorise":              "N   Y   Y     N   N       N       N        N       N",
    "list:close":                  "N   Y   Y     N   N       N       N        N       N",
    "dpia:approve":                "N   Y   Y     N   N       N       N        N       N",
    "grant:recertify":             "Y   N   N     N   N       N       N        N       N",
    "disclosure:approve":          "N   N   N     Y   N       N       N        N       N",
    "monitoring:aggregate":        "N   N   N     N   N       N       Y        N       N",
    "monitoring:read":             "N   N   N     N   N       N       N        N       N",
    "framework:approve":           "N   Y   N     N   N       N       N        N       N",
    "framework:activate":          "Y   N   N     N   N       N       N        N       N",
}
REGISTER_ACTIONS: dict[str, str] = {
    "list:create":                 "Y   N   N     N   N       N       N        N       N",
    "log:read":                    "N   Y   N     N   N       N       N        Y       N",
    "user:manage":                 "N   N   N     N   N       N       N        N       Y",
    "agreement:approve":           "N   N   N     Y   N       N       N        N       N",
    "agreement:draft":             "Y   N   N     Y   N       N       N        N       N",
    "agreement:revoke":            "N   N   N     Y   N       N       N        N       N",
    "recipient:manage":            "N   N   N     Y   N       N       N        N       N",
    "recipient:approve":           "N   N   N     Y   N       N       N        N       N",
    "sharing:read":                "Y   Y   N     Y   Y       N       N        Y       N",
    "sharing:review":              "N   Y   N     Y   N       N       N        Y       N",
    "compliance:read":             "Y   Y   Y     N   N       N       N        Y       N",
    "equality:report":             "N   Y   N     N   N       N       Y        N       N",
    "guidance:approve":            "N   Y   Y     N   N       N       N        N       N",
    "audit:conduct":               "N   N   N     N   N       N       N        Y       N",
    "dlp:scan":                    "N   Y   N     N   N       N       N        N       N",
    "alerts:read":                 "N   Y   N     N   N       N       N        N       N",
    "subject_request:manage":      "N   N   N     Y   N       N       N        N       N",
    "gang:record":                 "Y   N   N     N   Y       N       N        N       N",
    "gang:approve":                "Y   N   N     N   N       N       N        N       N",
}

# Law 2, for an entry's category and the purpose class it is consulted for (by a role that may
# act for that class: an officer for operational classes, an auditor for oversight, the IRU
# for rights).
#                          enforcement safeguarding investigation oversight rights
CATEGORY_TABLE: dict[str, str] = {
    "suspected":           "Y           Y            Y             Y         Y",
    "convicted":           "Y           Y            Y             Y         Y",
    "victim":              "N           Y            Y             Y         Y",
    "witness":             "N           Y            Y             Y         Y",
    "at_risk":             "N           Y            N             Y         Y",
}
# fmt: on
CONSULTER_FOR_CLASS = {
    "enforcement": "officer",
    "safeguarding": "officer",
    "investigation": "officer",
    "oversight": "auditor",
    "rights": "iru",
}


class Case(NamedTuple):
    """One cell of the matrix: ``bcu`` and ``purpose_class`` are None where they do not apply."""

    action: str
    role: str
    bcu: str | None
    purpose_class: str | None
    allowed: bool

    @property
    def name(self) -> str:
        where = "" if self.bcu is None else f"-{'in' if self.bcu == IN_BCU else 'out'}"
        why = "" if self.purpose_class is None else f"-{self.purpose_class}"
        return f"{self.action}-{self.role}{why}{where}"


def _cells(row: str) -> list[bool]:
    marks = row.split()
    if any(mark not in {"Y", "N"} for mark in marks):
        raise ValueError(f"a matrix row holds only Y and N: {row!r}")
    return [mark == "Y" for mark in marks]


def cases() -> Iterator[Case]:
    """Every cell of the matrix, one case each."""
    for action, rows in ENTRY_ACTIONS.items():
        for role, row in rows.items():
            marks = _cells(row)
            if len(marks) != 2 * len(PURPOSE_CLASSES):
                raise ValueError(f"{action} {role}: a row needs in and out for every class")
            cells = iter(marks)
            for purpose_class in PURPOSE_CLASSES:
                for bcu in (IN_BCU, OUT_OF_BCU):
                    yield Case(action, role, bcu, purpose_class, next(cells))
    for table in (LIST_ACTIONS, REGISTER_ACTIONS):
        for action, row in table.items():
            for role, allowed in zip(ROLES, _cells(row), strict=True):
                yield Case(action, role, None, None, allowed)


def category_cases() -> Iterator[tuple[str, str, bool]]:
    """(category, purpose class, allowed) for every cell of CATEGORY_TABLE."""
    for category, row in CATEGORY_TABLE.items():
        for purpose_class, allowed in zip(PURPOSE_CLASSES, _cells(row), strict=True):
            yield category, purpose_class, allowed
