"""The one field catalogue: every field a disclosure can carry, its sensitivity; validation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from listwarden.domain.errors import InvalidInput, Reason


class Sensitivity(StrEnum):
    """How much harm a field's value can do if it goes where it should not."""

    ORGANISATIONAL = "organisational"  # about the force's organisation, not the person
    PSEUDONYMOUS = "pseudonymous"  # personal only when linked to other data
    IDENTIFYING = "identifying"  # names a person or finds them
    LISTING = "listing"  # the fact and weight of being listed: criminal offence data
    ASSESSMENT = "assessment"  # a judgement about the person, with its reasons
    INTELLIGENCE = "intelligence"  # graded intelligence; non-statutory bodies only by approval


class Field(StrEnum):
    """The fields a disclosure can carry, by their column names in a package.

    Agreements, requests, redaction and packages name fields from here and nowhere else, so
    nothing is shared under a name the rules have never heard of.
    """

    ENTRY_ID = "entry_id"
    GIVEN_NAME = "given_name"
    FAMILY_NAME = "family_name"
    NICKNAMES = "nicknames"
    DATE_OF_BIRTH = "date_of_birth"
    AGE_BAND = "age_band"
    ADDRESS = "address"
    BCU = "bcu"
    BOROUGH = "borough"
    CATEGORY = "category"
    GANG = "gang"
    BAND = "band"
    SCORE = "score"
    ASSESSMENT_EXPLANATION = "assessment_explanation"
    EVIDENCE_SUMMARY = "evidence_summary"
    INTELLIGENCE_TEXT = "intelligence_text"
    INTELLIGENCE_GRADING = "intelligence_grading"


@dataclass(frozen=True)
class FieldSpec:
    """One catalogue entry: whether the value is personal data, and how sensitive it is."""

    field: Field
    sensitivity: Sensitivity
    personal: bool
    description: str


def _spec(field: Field, sensitivity: Sensitivity, personal: bool, description: str) -> FieldSpec:
    return FieldSpec(field, sensitivity, personal, description)


_S = Sensitivity
_SPECS = (
    _spec(Field.ENTRY_ID, _S.PSEUDONYMOUS, True, "the register's identifier of the entry"),
    _spec(Field.GIVEN_NAME, _S.IDENTIFYING, True, "given name"),
    _spec(Field.FAMILY_NAME, _S.IDENTIFYING, True, "family name"),
    _spec(Field.NICKNAMES, _S.IDENTIFYING, True, "nicknames and street names"),
    _spec(Field.DATE_OF_BIRTH, _S.IDENTIFYING, True, "date of birth"),
    _spec(Field.AGE_BAND, _S.PSEUDONYMOUS, True, "age band on the disclosure date"),
    _spec(Field.ADDRESS, _S.IDENTIFYING, True, "home address"),
    _spec(Field.BCU, _S.ORGANISATIONAL, False, "the basic command unit managing the entry"),
    _spec(Field.BOROUGH, _S.ORGANISATIONAL, False, "the borough the entry is managed in"),
    _spec(Field.CATEGORY, _S.LISTING, True, "data-subject category (suspected, victim ...)"),
    _spec(Field.GANG, _S.ASSESSMENT, True, "the gang the person is judged to belong to"),
    _spec(Field.BAND, _S.LISTING, True, "risk band: red, amber or green"),
    _spec(Field.SCORE, _S.LISTING, True, "harm score under the assessment framework"),
    _spec(Field.ASSESSMENT_EXPLANATION, _S.ASSESSMENT, True, "the itemised score explanation"),
    _spec(Field.EVIDENCE_SUMMARY, _S.ASSESSMENT, True, "offences and incidents, with the role"),
    _spec(Field.INTELLIGENCE_TEXT, _S.INTELLIGENCE, True, "the text of intelligence items"),
    _spec(Field.INTELLIGENCE_GRADING, _S.INTELLIGENCE, True, "3x5x2 gradings of those items"),
)

CATALOGUE: MappingProxyType[Field, FieldSpec] = MappingProxyType({s.field: s for s in _SPECS})
"""Every field a disclosure could carry, in the order packages lay out their columns."""

assert set(CATALOGUE) == set(Field), "every field needs exactly one catalogue entry"

INTELLIGENCE_FIELDS = frozenset(f for f, s in CATALOGUE.items() if s.sensitivity is _S.INTELLIGENCE)
"""Fields a non-statutory body receives only under an explicit, IRU-approved permission."""

_ORDER = {field: n for n, field in enumerate(CATALOGUE)}
_BY_VALUE: dict[str, Field] = {field.value: field for field in Field}


def field_gaps(names: Iterable[str], *, where: str = "fields") -> list[Reason]:
    """One ``field-unknown`` reason per name that is not in the catalogue (and none if empty)."""
    return [
        Reason("field-unknown", f"{name!r} is not a field in the catalogue", where)
        for name in dict.fromkeys(names)
        if name not in _BY_VALUE
    ]


def parse_fields(names: Iterable[str], *, where: str = "fields") -> frozenset[Field]:
    """The catalogue fields named, or ``InvalidInput`` naming every unknown one."""
    names = list(names)
    gaps = field_gaps(names, where=where)
    if gaps:
        raise InvalidInput("unknown fields", reasons=gaps)
    return frozenset(_BY_VALUE[name] for name in names)


def known_fields(names: Iterable[str]) -> frozenset[Field]:
    """The names that are catalogue fields, silently dropping the rest."""
    return frozenset(_BY_VALUE[name] for name in names if name in _BY_VALUE)


def in_catalogue_order(fields: Iterable[Field]) -> tuple[Field, ...]:
    """``fields`` in catalogue order: the stable column order of every package."""
    return tuple(sorted(set(fields), key=_ORDER.__getitem__))
