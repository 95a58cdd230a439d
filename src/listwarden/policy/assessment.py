"""Loading assessment frameworks from TOML, refusing any that could score who a person is.

A framework that names a protected characteristic or a proxy for one, names victimisation, or
counts evidence in which the person was not perpetrator or suspect raises
``AssessmentFrameworkRefused`` (laws 2 and 9). A malformed one (unknown fields, wrong types,
band thresholds out of order, overlapping or with gaps) raises ``AssessmentFrameworkInvalid``.
Every reason names the file and the field.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from listwarden.domain.assessment import (
    BAND_ORDER,
    BandThreshold,
    Criterion,
    Framework,
    forbidden_terms_in,
)
from listwarden.domain.errors import InvalidInput, PolicyViolation, Reason
from listwarden.domain.vocabulary import SCORING_ROLES, Band, EvidenceKind, EvidenceRole
from listwarden.policy.retention import shape_reasons

Text = Annotated[str, Strict(), Field(min_length=1)]
Positive = Annotated[int, Strict(), Field(gt=0)]
Score = Annotated[int, Strict(), Field(ge=0)]
_FREE_TEXT = frozenset({"description"})  # prose about a criterion, not an input to it


class AssessmentFrameworkInvalid(InvalidInput):
    """An assessment framework file is malformed; ``source`` names it, each reason its field."""

    slug = "assessment-framework-invalid"

    def __init__(self, source: str, reasons: Sequence[Reason]) -> None:
        shown = "; ".join(f"{r.field}: {r.detail}" for r in reasons)
        super().__init__(f"assessment framework {source} is invalid: {shown}", reasons=reasons)
        self.source = source


class AssessmentFrameworkRefused(PolicyViolation):
    """An assessment framework would score victimisation or who a person is (laws 2 and 9)."""

    slug = "assessment-framework-refused"

    def __init__(self, source: str, reasons: Sequence[Reason]) -> None:
        shown = "; ".join(f"{r.field}: {r.detail}" for r in reasons)
        super().__init__(f"assessment framework {source} is refused: {shown}", reasons=reasons)
        self.source = source


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Criterion(_Model):
    id: Text
    description: Text
    evidence_kind: EvidenceKind
    offence_class: Text | None = None
    roles: list[EvidenceRole] = Field(default_factory=lambda: sorted(SCORING_ROLES), min_length=1)
    window_days: Positive
    points: Positive
    gang_related_only: Annotated[bool, Strict()] = False
    max_items: Positive | None = None


class _Band(_Model):
    band: Band
    min: Score
    max: Score | None = None


class _Framework(_Model):
    schema_: Literal["listwarden.assessment/1"] = Field(alias="schema")
    name: Text
    version: Text
    description: Annotated[str, Strict()] = ""
    example: Annotated[bool, Strict()] = False
    notice: Annotated[str, Strict()] = ""
    criteria: list[_Criterion] = Field(min_length=1)
    bands: list[_Band]


def _walk(node: Any, where: str, *, values: bool) -> Iterator[tuple[str, str]]:
    """Every key (and, with ``values``, every string value) below ``node``, with its path."""
    if isinstance(node, dict):
        for key, child in node.items():
            path = f"{where}.{key}" if where else str(key)
            yield path, str(key)
            if key not in _FREE_TEXT and key != "roles":
                yield from _walk(child, path, values=values)
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _walk(child, f"{where}[{i}]", values=values)
    elif values and isinstance(node, str):
        yield where, node


def _law_reasons(data: dict[str, Any]) -> list[Reason]:
    """Forbidden names anywhere a criterion input could be, and roles that may not score."""
    criteria = data.get("criteria")
    named = list(_walk(data, "", values=False))
    if isinstance(criteria, list):
        named += list(_walk(criteria, "criteria", values=True))
    reasons = []
    for path, text in dict.fromkeys(named):
        for term, code, what in forbidden_terms_in(text):
            detail = f"{text!r} names {term!r} ({what}): it may not be a criterion"
            reasons.append(Reason(code, detail, path))
    for i, criterion in enumerate(criteria if isinstance(criteria, list) else []):
        roles = criterion.get("roles") if isinstance(criterion, dict) else None
        for role in roles if isinstance(roles, list) else []:
            if role in {r.value for r in EvidenceRole} and role not in SCORING_ROLES:
                detail = f"evidence as {role} never scores: only perpetrator or suspect may"
                reasons.append(Reason("non-scoring-role", detail, f"criteria[{i}].roles"))
    return reasons


def _band_reasons(bands: Sequence[_Band]) -> list[Reason]:
    """Bands green, amber, red, in that order, covering every score from 0 once."""
    names = [b.band for b in bands]
    missing = [b.value for b in BAND_ORDER if b not in names]
    if missing or len(names) != len(BAND_ORDER):
        detail = f"exactly one each of green, amber and red is needed (missing: {missing})"
        return [Reason("bands-incomplete", detail, "bands")]
    if names != list(BAND_ORDER):
        detail = "bands run from the lowest scores to the highest: green, amber, red"
        return [Reason("bands-out-of-order", detail, "bands")]
    reasons = []
    if bands[0].min != 0:
        detail = f"green starts at {bands[0].min}: scores below it would have no band"
        reasons.append(Reason("bands-not-from-zero", detail, "bands[0].min"))
    for i, band in enumerate(bands):
        last = i == len(bands) - 1
        if band.max is None and not last:
            detail = f"{band.band.value} needs a max: only the top band is open-ended"
            reasons.append(Reason("band-unbounded", detail, f"bands[{i}].max"))
        elif band.max is not None and last:
            detail = f"{band.band.value} has a max: scores above {band.max} would have no band"
            reasons.append(Reason("band-top-bounded", detail, f"bands[{i}].max"))
        elif band.max is not None and band.max < band.min:
            detail = f"{band.band.value} runs from {band.min} to {band.max}: it holds no score"
            reasons.append(Reason("band-empty", detail, f"bands[{i}]"))
        if i and bands[i - 1].max is not None:
            before = bands[i - 1]
            assert before.max is not None
            if band.min <= before.max:
                detail = f"{before.band.value} and {band.band.value} overlap at {band.min}"
                reasons.append(Reason("bands-overlap", detail, f"bands[{i}].min"))
            elif band.min > before.max + 1:
                gap = f"{before.max + 1}-{band.min - 1}"
                detail = f"scores {gap} fall between {before.band.value} and {band.band.value}"
                reasons.append(Reason("bands-gap", detail, f"bands[{i}].min"))
    return reasons


def _shape_reasons(parsed: _Framework) -> list[Reason]:
    reasons = _band_reasons(parsed.bands)
    seen: set[str] = set()
    for i, criterion in enumerate(parsed.criteria):
        if criterion.id in seen:
            detail = f"criterion id {criterion.id!r} is used twice"
            reasons.append(Reason("duplicate-criterion-id", detail, f"criteria[{i}].id"))
        seen.add(criterion.id)
    if parsed.example and not parsed.notice.strip():
        detail = "an example framework says so in its notice"
        reasons.append(Reason("example-without-notice", detail, "notice"))
    return reasons


def parse_framework(text: str, *, source: str = "<string>") -> Framework:
    """Parse and check a framework's TOML text; ``source`` names it in every error."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AssessmentFrameworkInvalid(
            source, [Reason("toml-syntax", str(exc), "(file)")]
        ) from None
    law = _law_reasons(data)
    if law:
        raise AssessmentFrameworkRefused(source, law)
    try:
        parsed = _Framework.model_validate(data)
    except ValidationError as exc:
        raise AssessmentFrameworkInvalid(source, shape_reasons(exc)) from None
    shape = _shape_reasons(parsed)
    if shape:
        raise AssessmentFrameworkInvalid(source, shape)
    return Framework(
        name=parsed.name,
        version=parsed.version,
        criteria=tuple(
            Criterion(
                id=c.id,
                description=c.description,
                evidence_kind=c.evidence_kind,
                points=c.points,
                window_days=c.window_days,
                offence_class=c.offence_class,
                roles=frozenset(c.roles),
                gang_related_only=c.gang_related_only,
                max_items=c.max_items,
            )
            for c in parsed.criteria
        ),
        bands=tuple(BandThreshold(b.band, b.min, b.max) for b in parsed.bands),
        example=parsed.example,
        notice=parsed.notice.strip(),
        source=source,
    )


def load_framework(path: Path | str) -> Framework:
    """Load a framework an organisation keeps in its own files."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AssessmentFrameworkInvalid(
            str(file), [Reason("unreadable", str(exc), "(file)")]
        ) from None
    return parse_framework(text, source=str(file))


_DEFAULTS = ("defaults", "assessment")


def default_framework_names() -> list[str]:
    folder = resources.files("listwarden.policy").joinpath(*_DEFAULTS)
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def default_framework(name: str) -> Framework:
    """One of the example frameworks shipped with listwarden; their weights are illustrative."""
    names = default_framework_names()
    if name not in names:
        detail = f"one of: {', '.join(names)}"
        raise InvalidInput(
            f"no default assessment framework {name!r}",
            reasons=[Reason("unknown-framework", detail, "name")],
        )
    file = resources.files("listwarden.policy").joinpath(*_DEFAULTS, f"{name}.toml")
    return parse_framework(
        file.read_text(encoding="utf-8"), source=f"defaults/assessment/{name}.toml"
    )
