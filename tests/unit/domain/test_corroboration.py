"""Gang nominals: independent corroboration, a reasoned determination and a recorded gang."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listwarden.domain.corroboration import (
    Determination,
    GangRecord,
    IntelligenceSource,
    NominalCheck,
    NotAGangNominal,
    _distinct_sources,  # the shortcut and the general search, compared below
    _search,
    check_nominal,
    corroboration,
    enough_distinct_sources,
    gang_gaps,
    independent,
    lineages,
    require_nominal,
)

TODAY = date(2025, 6, 1)
IAO = "iao-1"
GANG = GangRecord(
    id="g1",
    name="Synthetic Crew",
    bcus=frozenset({"CE"}),
    definition_evidence=("Three linked stabbings, 2024; shared drug supply line (analysis A-12)",),
    approved_by=IAO,
    review_on=date(2025, 12, 1),
)


def intel(ident: str, ref: str, derived_from: str | None = None) -> IntelligenceSource:
    return IntelligenceSource(id=ident, source_ref=ref, derived_from=derived_from)


def test_two_independent_sources_corroborate() -> None:
    result = corroboration([intel("a", "SRC-1"), intel("b", "SRC-2")])
    assert result.corroborated
    assert result.independent_items == ("a", "b")
    assert result.code == "corroborated"


def test_a_single_source_does_not_corroborate_however_often_it_reports() -> None:
    result = corroboration([intel("a", "SRC-1"), intel("b", "SRC-1"), intel("c", " SRC-1 ")])
    assert not result.corroborated
    assert result.code == "single-source"
    assert "1 source(s)" in result.reason


def test_an_item_derived_from_another_does_not_corroborate_it() -> None:
    result = corroboration([intel("a", "SRC-1"), intel("b", "SRC-2", derived_from="a")])
    assert (result.corroborated, result.code) == (False, "sources-not-independent")


def test_derivation_is_followed_transitively() -> None:
    items = [intel("a", "SRC-1"), intel("b", "SRC-2", "a"), intel("c", "SRC-3", "b")]
    assert corroboration(items).code == "sources-not-independent"
    found = lineages(items)
    assert found["c"].item_ids == {"a", "b", "c"}
    assert not independent(found["a"], found["c"])


def test_two_items_relaying_one_original_are_one_source() -> None:
    items = [intel("b", "SRC-2", "x"), intel("c", "SRC-3", "x")]  # x is not even on this entry
    assert corroboration(items).code == "sources-not-independent"


def test_a_relay_of_a_source_does_not_corroborate_that_source() -> None:
    items = [intel("a", "SRC-1"), intel("r", "SRC-9", "b"), intel("b", "SRC-1")]
    assert not corroboration(items).corroborated


def test_a_derivation_cycle_ends() -> None:
    items = [intel("a", "SRC-1", "b"), intel("b", "SRC-2", "a")]
    assert corroboration(items).code == "sources-not-independent"


def test_the_minimum_is_configurable() -> None:
    items = [intel("a", "SRC-1"), intel("b", "SRC-2")]
    three = corroboration(items, minimum=3)
    assert (three.corroborated, three.code, three.required) == (False, "too-few-sources", 3)
    assert corroboration([*items, intel("c", "SRC-3")], minimum=3).corroborated
    assert corroboration([], minimum=1).code == "no-intelligence"
    with pytest.raises(ValueError, match="at least one"):
        corroboration(items, minimum=0)


def _check(**changes: Any) -> NominalCheck:
    arguments: dict[str, Any] = {
        "intelligence": [intel("a", "SRC-1"), intel("b", "SRC-2")],
        "determination": Determination.GANG_MEMBER,
        "determination_reason": "Named by two sources as holding the crew's weapons",
        "gang_id": "g1",
        "gangs": {"g1": GANG},
        "iao_id": IAO,
        "today": TODAY,
    }
    arguments.update(changes)
    return check_nominal(**arguments)


def codes(**changes: Any) -> list[str]:
    return [r.code for r in _check(**changes).reasons]


def test_a_corroborated_reasoned_member_of_a_recorded_gang_is_accepted() -> None:
    result = check_nominal(
        intelligence=[intel("a", "SRC-1"), intel("b", "SRC-2")],
        determination=Determination.GANG_MEMBER,
        determination_reason="Named by two sources as holding the crew's weapons",
        gang_id="g1",
        gangs={"g1": GANG},
        iao_id=IAO,
        today=TODAY,
    )
    assert result.accepted
    assert result.corroboration.independent_items == ("a", "b")
    require_nominal(result)


def test_single_source_and_self_corroborating_nominals_are_refused() -> None:
    assert codes(intelligence=[intel("a", "SRC-1"), intel("b", "SRC-1")]) == ["single-source"]
    derived = [intel("a", "SRC-1"), intel("b", "SRC-2", "a")]
    assert codes(intelligence=derived) == ["sources-not-independent"]
    with pytest.raises(NotAGangNominal) as caught:
        require_nominal(_check(intelligence=derived))
    assert caught.value.reasons[0].field == "intelligence"


def test_the_determination_must_be_made_and_reasoned() -> None:
    assert codes(determination=None) == ["determination-missing"]
    assert codes(determination=Determination.SERIOUS_YOUTH_VIOLENCE) == [
        "determined-not-gang-member"
    ]
    assert codes(determination_reason="  ") == ["determination-reason-missing"]


def test_the_gang_link_must_name_a_recorded_usable_gang() -> None:
    assert codes(gang_id=None) == ["gang-not-recorded"]
    assert codes(gang_id="g9") == ["gang-not-recorded"]
    unapproved = replace(GANG, approved_by=None)
    assert codes(gangs={"g1": unapproved}) == ["gang-not-approved"]


def test_a_gang_record_needs_evidence_of_the_definition_and_iao_approval() -> None:
    assert gang_gaps(GANG, iao_id=IAO, today=TODAY) == []
    bare = replace(
        GANG, name=" ", bcus=frozenset(), definition_evidence=(" ",), approved_by="dpo-1"
    )
    assert [r.code for r in gang_gaps(bare, iao_id=IAO, today=TODAY)] == [
        "gang-name-missing",
        "gang-bcus-missing",
        "gang-definition-evidence-missing",
        "gang-approved-by-non-iao",
    ]
    stale = replace(GANG, review_on=date(2025, 5, 31))
    assert [r.code for r in gang_gaps(stale, iao_id=IAO, today=TODAY)] == ["gang-review-overdue"]


sources = st.lists(
    st.tuples(st.sampled_from("abcdefgh"), st.sampled_from(["R1", "R2", "R3", "R4"])),
    max_size=8,
    unique_by=lambda t: t[0],
)


@given(sources, st.data(), st.integers(min_value=1, max_value=4))
def test_corroborating_items_are_pairwise_independent_and_order_does_not_matter(
    pairs: list[tuple[str, str]], data: st.DataObject, minimum: int
) -> None:
    ids = [i for i, _ in pairs]
    items = [
        intel(i, ref, data.draw(st.sampled_from([None, *ids]), label=f"parent of {i}"))
        for i, ref in pairs
    ]
    result = corroboration(items, minimum=minimum)
    found = lineages(items)
    chosen = result.independent_items
    assert all(independent(found[a], found[b]) for a in chosen for b in chosen if a != b)
    if result.corroborated:
        assert len(chosen) == minimum
    shuffled = list(items)
    random.Random(len(items)).shuffle(shuffled)
    assert corroboration(shuffled, minimum=minimum).corroborated == result.corroborated
    if len({ref for _, ref in pairs}) < minimum:
        assert not result.corroborated


@given(
    st.lists(
        st.tuples(st.sampled_from("abcdefgh"), st.sampled_from(["R1", " R1", "R2", "R3", "R4"])),
        max_size=8,
    ),
    st.integers(min_value=1, max_value=4),
)
def test_without_derivation_the_one_pass_finds_what_the_search_finds(
    pairs: list[tuple[str, str]], minimum: int
) -> None:
    """The shortcut taken when no item derives from another (every imported row) answers as
    the general search does, item for item: repeated ids and padded references included."""
    items = [intel(i, ref, None) for i, ref in pairs]
    assert _distinct_sources(items, minimum) == _search(lineages(items), minimum)


@given(
    st.lists(st.sampled_from(["R1", " R1", "R1 ", "R2", "R3", "R4", " "]), max_size=6),
    st.integers(min_value=1, max_value=4),
)
def test_enough_distinct_sources_answers_as_corroboration_does_without_derivation(
    refs: list[str], minimum: int
) -> None:
    """The import's one-set test of a row's references says what ``corroboration`` says."""
    items = [IntelligenceSource(str(n), ref) for n, ref in enumerate(refs)]
    assert (
        enough_distinct_sources(refs, minimum) == corroboration(items, minimum=minimum).corroborated
    )


def test_enough_distinct_sources_refuses_a_minimum_below_one() -> None:
    with pytest.raises(ValueError, match="at least one"):
        enough_distinct_sources(["R1"], 0)
