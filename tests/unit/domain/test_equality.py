"""Equality figures checked against a small synthetic population worked out by hand."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest

from listwarden.domain.bcu import BCU_OF_BOROUGH, BOROUGHS_BY_BCU
from listwarden.domain.equality import (
    CENSUS_GROUPS,
    FORCE,
    GROUP_OF_IDENTITY_CODE,
    GROUP_OF_SELF_DEFINED,
    NO_BAND,
    UNDER_18,
    AgeBand,
    Basis,
    Dimension,
    EqualitySnapshot,
    EthnicGroup,
    GroupTally,
    MonitoringRecord,
    PopulationBaseline,
    age_band,
    age_band_from_birth_month,
    area_figures,
    breakdown_figures,
    change_since,
    disparity_ratios,
    figures,
    group_rates,
    rate_ratio_interval,
    tally,
    tally_records,
)
from listwarden.domain.errors import InvalidInput
from listwarden.domain.monitoring import IdentityCode, SelfDefinedEthnicity
from listwarden.domain.vocabulary import Band, Category

IC, SD = IdentityCode, SelfDefinedEthnicity

W, M, A, B, OT, U = (
    EthnicGroup.WHITE,
    EthnicGroup.MIXED,
    EthnicGroup.ASIAN,
    EthnicGroup.BLACK,
    EthnicGroup.OTHER,
    EthnicGroup.UNKNOWN,
)


def residents(white: int, mixed: int, asian: int, black: int, other: int) -> dict[EthnicGroup, int]:
    return {W: white, M: mixed, A: asian, B: black, OT: other}


# Four boroughs, two BCUs (CE = Hackney + Tower Hamlets, CN = Camden + Islington).
#   CE: White 10,000  Mixed 1,000  Asian 5,000  Black 3,000  Other 1,000  (20,000)
#   CN: White 15,000  Mixed 1,500  Asian 2,000  Black 1,000  Other   500  (20,000)
#   force: White 25,000  Mixed 2,500  Asian 7,000  Black 4,000  Other 1,500  (40,000)
BASELINE = PopulationBaseline(
    "synthetic",
    {
        "Hackney": residents(6000, 500, 1000, 2000, 500),
        "Tower Hamlets": residents(4000, 500, 4000, 1000, 500),
        "Camden": residents(8000, 500, 1000, 400, 100),
        "Islington": residents(7000, 1000, 1000, 600, 400),
    },
)


def person(
    bcu: str,
    ethnicity: SD,
    code: IC,
    *,
    band: Band | None = Band.GREEN,
    age: int = 25,
    list_id: str = "matrix",
    category: Category = Category.SUSPECTED,
) -> MonitoringRecord:
    return MonitoringRecord(list_id, category, bcu, band, age_band(age), code, ethnicity)


def population() -> list[MonitoringRecord]:
    """90 entries. Self-defined: CE White 5, Mixed 2, Asian 5, Black 30, not stated 10;
    CN White 10, Mixed 1, Asian 2, Black 20, not stated 5."""
    ce_black = (
        [person("CE", SD.BLACK_AFRICAN, IC.IC3, band=Band.RED, age=15)] * 4
        + [person("CE", SD.BLACK_AFRICAN, IC.IC3, band=Band.RED, age=17)] * 6
        + [person("CE", SD.BLACK_AFRICAN, IC.IC3)] * 10
        + [person("CE", SD.BLACK_CARIBBEAN, IC.IC3)] * 10
    )
    ce_others = (
        [person("CE", SD.WHITE_BRITISH, IC.IC1)] * 5
        + [person("CE", SD.MIXED_WHITE_BLACK_CARIBBEAN, IC.IC3)] * 2
        + [person("CE", SD.ASIAN_BANGLADESHI, IC.IC4)] * 5
        # Victims on a separate safeguarding list, with no band; ethnicity not stated.
        + [
            person(
                "CE",
                SD.NOT_STATED,
                IC.IC3,
                band=None,
                list_id="safeguarding",
                category=Category.VICTIM,
            )
        ]
        * 8
        + [
            person(
                "CE",
                SD.NOT_STATED,
                IC.IC9,
                band=None,
                list_id="safeguarding",
                category=Category.VICTIM,
            )
        ]
        * 2
    )
    cn = (
        [person("CN", SD.WHITE_BRITISH, IC.IC1, band=Band.AMBER)] * 7
        + [person("CN", SD.WHITE_BRITISH, IC.IC1, band=Band.AMBER, age=14)]
        + [person("CN", SD.WHITE_OTHER, IC.IC2, band=Band.AMBER)] * 2
        + [person("CN", SD.BLACK_CARIBBEAN, IC.IC3)] * 20
        + [person("CN", SD.ASIAN_INDIAN, IC.IC4)] * 2
        + [person("CN", SD.MIXED_OTHER, IC.IC1)]
        + [person("CN", SD.NOT_STATED, IC.IC9)] * 5
    )
    return ce_black + ce_others + cn


@pytest.fixture(scope="module")
def self_defined() -> GroupTally:
    return tally_records(population())[Basis.SELF_DEFINED]


def test_every_self_defined_category_and_identity_code_has_a_group() -> None:
    assert set(GROUP_OF_SELF_DEFINED) == set(SD)
    assert set(GROUP_OF_IDENTITY_CODE) == set(IC)
    assert GROUP_OF_SELF_DEFINED[SD.NOT_STATED] == U
    assert GROUP_OF_SELF_DEFINED[SD.MIXED_WHITE_ASIAN] == M
    assert GROUP_OF_SELF_DEFINED[SD.ASIAN_CHINESE] == A
    assert GROUP_OF_SELF_DEFINED[SD.OTHER_ARAB] == OT
    assert GROUP_OF_IDENTITY_CODE[IC.IC9] == U
    assert GROUP_OF_IDENTITY_CODE[IC.IC5] == A
    assert GROUP_OF_IDENTITY_CODE[IC.IC6] == OT
    assert M not in GROUP_OF_IDENTITY_CODE.values()


def test_counts_by_group_keep_unknown(self_defined: GroupTally) -> None:
    assert self_defined.by_group == {W: 15, M: 3, A: 7, B: 50, OT: 0, U: 15}
    assert self_defined.total == 90


def test_identity_codes_are_tallied_apart() -> None:
    # Officer codes: White 15 + the Mixed person coded IC1 = 16; Black 50 + 2 Mixed coded IC3
    # + 8 not-stated coded IC3 = 60; Asian 7; unknown (IC9) 2 + 5 = 7.
    by_code = tally_records(population())[Basis.IDENTITY_CODE]
    assert by_code.by_group == {W: 16, M: 0, A: 7, B: 60, OT: 0, U: 7}


def test_tally_of_grouped_counts_equals_tally_of_records() -> None:
    records = population()
    grouped = Counter(records)
    assert tally(grouped.items()) == tally_records(records)


def test_force_rates_and_shares_by_hand(self_defined: GroupTally) -> None:
    rates = {r.group: r for r in group_rates(self_defined.by_group, BASELINE.population())}
    # Per 1,000: White 15/25,000 = 0.6; Mixed 3/2,500 = 1.2; Asian 7/7,000 = 1.0;
    # Black 50/4,000 = 12.5; Other 0/1,500 = 0.0; unknown has no population, so no rate.
    assert rates[W].rate_per_1000 == pytest.approx(0.6)
    assert rates[M].rate_per_1000 == pytest.approx(1.2)
    assert rates[A].rate_per_1000 == pytest.approx(1.0)
    assert rates[B].rate_per_1000 == pytest.approx(12.5)
    assert rates[OT].rate_per_1000 == 0.0
    assert rates[U].rate_per_1000 is None
    assert rates[U].population is None
    # Shares of all 90 counted, unknown included: Black 50/90 = 0.5556, unknown 15/90 = 0.1667.
    assert rates[B].share == pytest.approx(0.5556, abs=5e-5)
    assert rates[U].share == pytest.approx(0.1667, abs=5e-5)


def test_force_disparity_ratios_and_intervals_by_hand(self_defined: GroupTally) -> None:
    ratios = {r.group: r for r in disparity_ratios(self_defined.by_group, BASELINE.population())}
    assert set(ratios) == {M, A, B, OT}
    # Black: 12.5 / 0.6 = 20.8333. SE(ln RR) = sqrt(1/50 + 1/15) = sqrt(0.086667) = 0.294392;
    # 1.959964 x 0.294392 = 0.576999; ln 20.8333 = 3.036554;
    # exp(3.036554 - 0.576999) = exp(2.459555) = 11.6996; exp(3.613553) = 37.0976.
    assert ratios[B].ratio == pytest.approx(20.8333, abs=5e-5)
    assert ratios[B].lower == pytest.approx(11.6996, abs=5e-4)
    assert ratios[B].upper == pytest.approx(37.0976, abs=5e-4)
    # Mixed: 1.2 / 0.6 = 2.0; SE = sqrt(1/3 + 1/15) = 0.632456; x 1.959964 = 1.239591;
    # exp(0.693147 -/+ 1.239591) = 0.5790, 6.9084.
    assert ratios[M].ratio == pytest.approx(2.0)
    assert ratios[M].lower == pytest.approx(0.5790, abs=5e-4)
    assert ratios[M].upper == pytest.approx(6.9084, abs=5e-4)
    # Asian: 1.0 / 0.6 = 1.6667; SE = sqrt(1/7 + 1/15) = 0.457738; x 1.959964 = 0.897150;
    # exp(0.510826 -/+ 0.897150) = 0.6796, 4.0877.
    assert ratios[A].ratio == pytest.approx(1.6667, abs=5e-5)
    assert ratios[A].lower == pytest.approx(0.6796, abs=5e-4)
    assert ratios[A].upper == pytest.approx(4.0877, abs=5e-4)
    # Other: no one, so the ratio is 0 and no interval can be given.
    assert (ratios[OT].ratio, ratios[OT].lower, ratios[OT].upper) == (0.0, None, None)


def test_no_ratio_without_a_reference_rate() -> None:
    ratios = disparity_ratios({B: 5}, BASELINE.population())
    assert all(r.ratio is None for r in ratios)
    assert rate_ratio_interval(0, 100, 5, 100) is None


def test_bcu_populations_sum_their_boroughs() -> None:
    assert BASELINE.population("CE") == residents(10000, 1000, 5000, 3000, 1000)
    assert BASELINE.population("CN") == residents(15000, 1500, 2000, 1000, 500)
    assert BASELINE.population() == residents(25000, 2500, 7000, 4000, 1500)


def test_a_bcu_whose_boroughs_the_baseline_lacks_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        BASELINE.population("SW")
    assert [r.code for r in caught.value.reasons] == ["baseline-borough-missing"] * 4
    with pytest.raises(InvalidInput):
        BASELINE.population("XX")


def test_bcu_figures_by_hand(self_defined: GroupTally) -> None:
    ce = figures("CE", self_defined.counts(Dimension.BCU, "CE"), BASELINE.population("CE"))
    assert ce.total == 52
    # CE: White 5/10,000 = 0.5; Black 30/3,000 = 10.0; ratio 20.0;
    # SE = sqrt(1/30 + 1/5) = 0.483046; x 1.959964 = 0.946752;
    # exp(2.995732 -/+ 0.946752) = 7.7600, 51.5465.
    ce_rates = {r.group: r.rate_per_1000 for r in ce.rates}
    assert ce_rates[W] == pytest.approx(0.5)
    assert ce_rates[B] == pytest.approx(10.0)
    black = next(r for r in ce.ratios if r.group == B)
    assert black.ratio == pytest.approx(20.0)
    assert black.lower == pytest.approx(7.7600, abs=5e-4)
    assert black.upper == pytest.approx(51.5465, abs=5e-4)
    cn = figures("CN", self_defined.counts(Dimension.BCU, "CN"), BASELINE.population("CN"))
    # CN: White 10/15,000 = 0.6667; Black 20/1,000 = 20.0; ratio 30.0;
    # SE = sqrt(1/20 + 1/10) = 0.387298; x 1.959964 = 0.759091;
    # exp(3.401197 -/+ 0.759091) = 14.0428, 64.0900.
    black = next(r for r in cn.ratios if r.group == B)
    assert black.ratio == pytest.approx(30.0)
    assert black.lower == pytest.approx(14.0428, abs=5e-4)
    assert black.upper == pytest.approx(64.0900, abs=5e-4)


def test_breakdowns_by_band_list_category_and_age(self_defined: GroupTally) -> None:
    counts = self_defined.counts
    assert counts(Dimension.BAND, "red") == {W: 0, M: 0, A: 0, B: 10, OT: 0, U: 0}
    assert counts(Dimension.BAND, "amber") == {W: 10, M: 0, A: 0, B: 0, OT: 0, U: 0}
    assert counts(Dimension.BAND, "green") == {W: 5, M: 3, A: 7, B: 40, OT: 0, U: 5}
    assert counts(Dimension.BAND, NO_BAND) == {W: 0, M: 0, A: 0, B: 0, OT: 0, U: 10}
    # Victims apart from offenders: the safeguarding list holds the 10 victims.
    assert sum(counts(Dimension.LIST, "safeguarding").values()) == 10
    assert sum(counts(Dimension.LIST, "matrix").values()) == 80
    assert counts(Dimension.CATEGORY, "victim")[U] == 10
    # Age: 4 Black under 16 in CE and 1 White under 16 in CN; 6 Black aged 16-17.
    assert counts(Dimension.AGE, AgeBand.UNDER_16) == {W: 1, M: 0, A: 0, B: 4, OT: 0, U: 0}
    assert counts(Dimension.AGE, *UNDER_18) == {W: 1, M: 0, A: 0, B: 10, OT: 0, U: 0}
    assert sum(counts(Dimension.AGE, AgeBand.ADULT).values()) == 79
    assert counts(Dimension.BCU, "SW") == dict.fromkeys(EthnicGroup, 0)


def test_breakdown_rows_use_force_residents_except_for_bcus(self_defined: GroupTally) -> None:
    rows = {f.label: f for f in breakdown_figures(self_defined, Dimension.BAND, BASELINE)}
    assert sorted(rows) == ["amber", "green", "red", NO_BAND]
    red = {r.group: r.rate_per_1000 for r in rows["red"].rates}
    assert red[B] == pytest.approx(10 * 1000 / 4000)


def test_area_figures_need_every_borough() -> None:
    t = tally_records(population())[Basis.SELF_DEFINED]
    with pytest.raises(InvalidInput):
        area_figures(t, BASELINE)
    everywhere = PopulationBaseline(
        "all", {b: residents(1000, 100, 100, 100, 100) for b in BCU_OF_BOROUGH}
    )
    rows = area_figures(t, everywhere)
    assert [r.label for r in rows] == [FORCE, *BOROUGHS_BY_BCU]
    assert rows[0].total == 90


@pytest.mark.parametrize(
    ("age", "band"),
    [(None, AgeBand.UNKNOWN), (0, AgeBand.UNDER_16), (15, AgeBand.UNDER_16),
     (16, AgeBand.AGE_16_17), (17, AgeBand.AGE_16_17), (18, AgeBand.ADULT)],
)  # fmt: skip
def test_age_bands(age: int | None, band: AgeBand) -> None:
    assert age_band(age) == band


def test_birth_month_assumes_the_younger_age_in_the_birthday_month() -> None:
    on = date(2026, 6, 15)
    assert age_band_from_birth_month(2008, 6, on) == AgeBand.AGE_16_17  # 18 this month, or not
    assert age_band_from_birth_month(2008, 5, on) == AgeBand.ADULT
    assert age_band_from_birth_month(2008, 7, on) == AgeBand.AGE_16_17


def test_snapshot_round_trips_through_json() -> None:
    snap = EqualitySnapshot("2026-05", tally_records(population()))
    text = json.dumps(snap.to_json())
    again = EqualitySnapshot.from_json(json.loads(text))
    assert again == snap
    assert "matrix" in text
    assert all(g.value in text for g in CENSUS_GROUPS)


@pytest.mark.parametrize(
    "bad",
    [
        {"month": "2026-13", "bases": {}},
        {"month": "2026-05"},
        {"month": "2026-05", "bases": {"self_defined": {"by_group": {"white": -1}}}},
        {"month": "2026-05", "bases": {"astrology": {"by_group": {}, "breakdowns": {}}}},
        {"month": "2026-05", "bases": {"self_defined": {"by_group": {"x": 1}, "breakdowns": {}}}},
    ],
)
def test_snapshot_refuses_anything_but_counts(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidInput) as caught:
        EqualitySnapshot.from_json(bad)
    assert caught.value.reasons[0].code == "invalid-snapshot"


def test_change_since_last_month() -> None:
    records = population()
    april = EqualitySnapshot("2026-04", tally_records(records[10:]))  # 10 Black entries fewer
    may = EqualitySnapshot("2026-05", tally_records(records))
    changes = {c.group: c for c in change_since(april, may)}
    assert (changes[B].previous, changes[B].current, changes[B].change) == (40, 50, 10)
    assert changes[U].change == 0
    first = {c.group: c for c in change_since(None, may)}
    assert (first[B].previous, first[B].change) == (None, None)
    red = {c.group: c for c in change_since(april, may, dimension=Dimension.BAND, key="red")}
    assert red[B].change == 10  # the 10 dropped were the red-band children
    by_code = {c.group: c for c in change_since(april, may, basis=Basis.IDENTITY_CODE)}
    assert by_code[B].change == 10
