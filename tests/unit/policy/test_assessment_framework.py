"""Assessment framework loading: no protected characteristic, proxy or victimisation can score."""

from __future__ import annotations

from pathlib import Path

import pytest

from listwarden.domain.assessment import FORBIDDEN_CRITERION_TERMS
from listwarden.domain.errors import ListwardenError
from listwarden.domain.vocabulary import SCORING_ROLES, Band, EvidenceKind
from listwarden.policy.assessment import (
    AssessmentFrameworkInvalid,
    AssessmentFrameworkRefused,
    default_framework,
    default_framework_names,
    load_framework,
    parse_framework,
)

CRITERION = """
[[criteria]]
id = "robbery"
description = "Robbery of the person"
evidence_kind = "offence"
offence_class = "robbery"
window_days = 1095
points = 8
"""

BANDS = """
[[bands]]
band = "green"
min = 0
max = 14

[[bands]]
band = "amber"
min = 15
max = 39

[[bands]]
band = "red"
min = 40
"""


def framework_text(*, top: str = "", criteria: str = CRITERION, bands: str = BANDS) -> str:
    return f"""
schema = "listwarden.assessment/1"
name = "test"
version = "1"
{top}
{criteria}
{bands}
"""


def criterion(**fields: str) -> str:
    base = {
        "id": '"c"',
        "description": '"A criterion"',
        "evidence_kind": '"offence"',
        "window_days": "365",
        "points": "3",
    }
    base.update(fields)
    return "[[criteria]]\n" + "\n".join(f"{k} = {v}" for k, v in base.items()) + "\n"


def bands(*rows: tuple[str, int, int | None]) -> str:
    out = ""
    for band, low, high in rows:
        out += f'[[bands]]\nband = "{band}"\nmin = {low}\n'
        out += f"max = {high}\n" if high is not None else ""
    return out


def refused(text: str) -> ListwardenError:
    with pytest.raises((AssessmentFrameworkInvalid, AssessmentFrameworkRefused)) as caught:
        parse_framework(text, source="test.toml")
    return caught.value


def codes(text: str) -> list[tuple[str, str | None]]:
    return [(r.code, r.field) for r in refused(text).reasons]


def test_a_well_formed_framework_loads() -> None:
    loaded = parse_framework(framework_text())
    (robbery,) = loaded.criteria
    assert robbery.evidence_kind is EvidenceKind.OFFENCE
    assert robbery.roles == SCORING_ROLES
    assert [b.band for b in loaded.bands] == [Band.GREEN, Band.AMBER, Band.RED]


@pytest.mark.parametrize("name", ["matrix-2018-example", "harm-index-example"])
def test_the_shipped_examples_load_and_say_they_are_examples(name: str) -> None:
    assert name in default_framework_names()
    loaded = default_framework(name)
    assert loaded.example
    assert "example" in loaded.notice.lower()
    assert all(c.roles <= SCORING_ROLES for c in loaded.criteria)


def test_the_harm_index_weights_offences_in_days() -> None:
    harm = {c.id: c.points for c in default_framework("harm-index-example").criteria}
    assert harm["homicide"] == 15 * 365
    assert harm["homicide"] > harm["robbery"] > harm["violence-with-injury"]


@pytest.mark.parametrize(
    ("offence_class", "code"),
    [
        ('"ethnicity"', "protected-characteristic-named"),
        ('"race"', "protected-characteristic-named"),
        ('"religion"', "protected-characteristic-named"),
        ('"nationality"', "protected-characteristic-named"),
        ('"identity_code"', "protected-characteristic-named"),
        ('"IC3"', "protected-characteristic-named"),
        ('"self_defined_ethnicity"', "protected-characteristic-named"),
        ('"black_caribbean"', "protected-characteristic-named"),
        ('"sex"', "protected-characteristic-named"),
        ('"age_band"', "protected-characteristic-named"),
        ('"music_genre"', "proxy-named"),
        ('"drill"', "proxy-named"),
        ('"rap-video"', "proxy-named"),
        ('"Postcode"', "proxy-named"),
        ('"victim_of_stabbing"', "victimisation-named"),
    ],
)
def test_a_framework_naming_a_forbidden_criterion_is_refused_at_load(
    offence_class: str, code: str
) -> None:
    text = framework_text(criteria=criterion(offence_class=offence_class))
    error = refused(text)
    assert isinstance(error, AssessmentFrameworkRefused)
    assert [(r.code, r.field) for r in error.reasons] == [(code, "criteria[0].offence_class")]


@pytest.mark.parametrize("term", sorted(FORBIDDEN_CRITERION_TERMS))
def test_every_term_on_the_one_list_is_refused(term: tuple[str, ...]) -> None:
    text = framework_text(criteria=criterion(offence_class=f'"{"_".join(term)}"'))
    code, _ = FORBIDDEN_CRITERION_TERMS[term]
    assert code in {c for c, _ in codes(text)}


def test_a_forbidden_name_is_refused_as_a_field_anywhere() -> None:
    text = framework_text(criteria=criterion(ethnicity='"IC3"'))
    assert codes(text) == [
        ("protected-characteristic-named", "criteria[0].ethnicity"),
        ("protected-characteristic-named", "criteria[0].ethnicity"),  # its value, IC3, too
    ]
    weights = framework_text(top="[weights]\npostcode_district = 2")
    assert codes(weights) == [("proxy-named", "weights.postcode_district")]


def test_offence_names_that_only_contain_a_word_are_allowed() -> None:
    for name in ("sex_offence", "criminal_damage", "racially_aggravated_assault", "drug_supply"):
        assert parse_framework(framework_text(criteria=criterion(offence_class=f'"{name}"')))


def test_descriptions_are_prose_and_may_mention_what_is_excluded() -> None:
    text = framework_text(criteria=criterion(description='"Never music taste or postcode"'))
    assert parse_framework(text).criteria[0].description.startswith("Never")


@pytest.mark.parametrize("role", ["victim", "witness"])
def test_only_perpetrator_and_suspect_evidence_may_score(role: str) -> None:
    text = framework_text(criteria=criterion(roles=f'["suspect", "{role}"]'))
    error = refused(text)
    assert isinstance(error, AssessmentFrameworkRefused)
    assert [(r.code, r.field) for r in error.reasons] == [("non-scoring-role", "criteria[0].roles")]


@pytest.mark.parametrize(
    ("rows", "code", "field"),
    [
        ((("green", 0, 14), ("amber", 15, None)), "bands-incomplete", "bands"),
        ((("green", 0, 14), ("red", 40, None), ("amber", 15, 39)), "bands-out-of-order", "bands"),
        ((("green", 0, 14), ("amber", 14, 39), ("red", 40, None)), "bands-overlap", "bands[1].min"),
        ((("green", 0, 14), ("amber", 15, 39), ("red", 45, None)), "bands-gap", "bands[2].min"),
        (
            (("green", 1, 14), ("amber", 15, 39), ("red", 40, None)),
            "bands-not-from-zero",
            "bands[0].min",
        ),
        (
            (("green", 0, 14), ("amber", 15, 39), ("red", 40, 99)),
            "band-top-bounded",
            "bands[2].max",
        ),
        (
            (("green", 0, None), ("amber", 15, 39), ("red", 40, None)),
            "band-unbounded",
            "bands[0].max",
        ),
        ((("green", 0, 14), ("amber", 15, 12), ("red", 40, None)), "band-empty", "bands[1]"),
        (
            (("green", 0, 14), ("green", 15, 39), ("red", 40, None)),
            "bands-incomplete",
            "bands",
        ),
    ],
)
def test_band_thresholds_are_ordered_and_cover_every_score_once(
    rows: tuple[tuple[str, int, int | None], ...], code: str, field: str
) -> None:
    error = refused(framework_text(bands=bands(*rows)))
    assert isinstance(error, AssessmentFrameworkInvalid)
    assert (code, field) in [(r.code, r.field) for r in error.reasons]


@pytest.mark.parametrize(
    ("text", "code", "field"),
    [
        (framework_text(criteria=criterion(weight="2")), "unknown-field", "criteria[0].weight"),
        (framework_text(criteria=criterion(points='"5"')), "wrong-type", "criteria[0].points"),
        (framework_text(criteria=criterion(points="0")), "out-of-range", "criteria[0].points"),
        (
            framework_text(criteria=criterion(window_days="-1")),
            "out-of-range",
            "criteria[0].window_days",
        ),
        (
            framework_text(criteria=criterion(evidence_kind='"rumour"')),
            "unknown-value",
            "criteria[0].evidence_kind",
        ),
        (framework_text(criteria=criterion(roles="[]")), "empty", "criteria[0].roles"),
        (framework_text(criteria=""), "missing-field", "criteria"),
        (framework_text(top="example = true"), "example-without-notice", "notice"),
        (
            framework_text(criteria=CRITERION + CRITERION),
            "duplicate-criterion-id",
            "criteria[1].id",
        ),
        (framework_text(top="activated = true"), "unknown-field", "activated"),
    ],
)
def test_malformed_frameworks_are_refused(text: str, code: str, field: str) -> None:
    error = refused(text)
    assert isinstance(error, AssessmentFrameworkInvalid)
    assert (code, field) in [(r.code, r.field) for r in error.reasons]


def test_invalid_toml_is_refused() -> None:
    assert codes("name = ")[0][0] == "toml-syntax"


def test_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "gvm.toml"
    path.write_text(framework_text(criteria=criterion(offence_class='"drill"')), encoding="utf-8")
    with pytest.raises(AssessmentFrameworkRefused) as caught:
        load_framework(path)
    assert str(path) in str(caught.value)
    assert "criteria[0].offence_class" in str(caught.value)
