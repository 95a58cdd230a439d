"""Law 9 on both databases: equality figures from the monitoring records, checked by hand."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete

from listwarden.bootstrap import Register
from listwarden.domain.bcu import BCU_OF_BOROUGH
from listwarden.domain.equality import CENSUS_GROUPS, Basis, PopulationBaseline
from listwarden.domain.errors import AccessDenied, Conflict
from listwarden.services.equality import (
    current_tallies,
    equality_report,
    stored_snapshots,
    take_snapshot,
)
from listwarden.store.tables import Entry, MonitoringRecord
from tests.factories import add_person, authorised_list, make_cast

# 1,000 residents of every census group in every borough: 32,000 force-wide, 2,000 in CE
# (Hackney and Tower Hamlets).
BASELINE = PopulationBaseline(
    "synthetic", {b: dict.fromkeys(CENSUS_GROUPS, 1000) for b in BCU_OF_BOROUGH}
)
PEOPLE = [  # (BCU, self-defined ethnicity, identity code)
    ("CE", "black_caribbean", "IC3"),
    ("CE", "black_caribbean", "IC3"),
    ("CE", "black_african", "IC3"),
    ("CE", "white_british", "IC1"),
    ("CE", "asian_indian", "IC4"),
    ("CE", None, None),  # not stated, IC9: counted as unknown
    ("SN", "black_african", "IC3"),
]


def _rates(figures: object) -> dict[str, tuple[int, float | None]]:
    return {r.group.value: (r.count, r.rate_per_1000) for r in figures.rates}  # type: ignore[attr-defined]


def test_figures_match_those_worked_by_hand(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    today = register.uow.today()
    for n, (bcu, ethnicity, code) in enumerate(PEOPLE):
        add_person(
            register,
            cast,
            matrix,
            n,
            bcu=bcu,
            self_defined_ethnicity=ethnicity,
            identity_code=code,
            born=date(today.year - 15, 1, 1) if n == 0 else date(1998, 5, 17),
            **(
                {"iao_approval_by": cast.iao.id, "safeguarding_referral": "MASH-1"}
                if n == 0
                else {}
            ),
        )
    with pytest.raises(AccessDenied):
        equality_report(uow=register.uow, actor=cast.officer, baseline=BASELINE)
    report = equality_report(uow=register.uow, actor=cast.equality, baseline=BASELINE)
    force, ce = report.areas[0], next(a for a in report.areas if a.label == "CE")
    assert (force.label, force.total, ce.total) == ("force", 7, 6)
    rates = _rates(force)
    assert rates["black"] == (4, pytest.approx(4 * 1000 / 32000))
    assert rates["white"] == (1, pytest.approx(1000 / 32000))
    assert rates["unknown"] == (1, None)
    assert next(r.share for r in force.rates if r.group.value == "unknown") == pytest.approx(1 / 7)
    black = next(d for d in force.ratios if d.group.value == "black")
    assert (black.ratio, black.lower, black.upper) == (
        pytest.approx(4.0),
        pytest.approx(0.447083, rel=1e-5),
        pytest.approx(35.787573, rel=1e-5),
    )
    ce_black = next(d for d in ce.ratios if d.group.value == "black")
    assert (ce_black.ratio, ce_black.lower) == (
        pytest.approx(3.0),
        pytest.approx(0.312060, rel=1e-5),
    )
    assert _rates(ce)["black"] == (3, pytest.approx(3 * 1000 / 2000))
    under_16, under_18 = report.children
    assert (under_16.total, under_18.total) == (1, 1)
    # Identity codes are tallied apart, never merged with self-definition.
    coded = equality_report(
        uow=register.uow, actor=cast.dpo, baseline=BASELINE, basis=Basis.IDENTITY_CODE
    )
    assert _rates(coded.areas[0])["asian"][0] == 1
    assert _rates(coded.areas[0])["mixed"][0] == 0


def test_snapshots_give_the_change_since_last_month_and_unknown_is_never_dropped(
    register: Register,
) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    first = add_person(register, cast, matrix, 1, self_defined_ethnicity="white_irish")
    take_snapshot(uow=register.uow, actor=cast.equality, month="2026-11")
    with pytest.raises(Conflict):
        take_snapshot(uow=register.uow, actor=cast.equality, month="2026-11")
    add_person(register, cast, matrix, 2, self_defined_ethnicity="mixed_other")
    with register.uow.transaction() as session:  # a record lost: the entry is still counted
        subject = session.get(Entry, first).subject_id  # type: ignore[union-attr]
        session.execute(delete(MonitoringRecord).where(MonitoringRecord.subject_id == subject))
    tallies = current_tallies(uow=register.uow, actor=cast.equality)
    assert tallies[Basis.SELF_DEFINED].total == 2
    report = equality_report(
        uow=register.uow, actor=cast.equality, baseline=BASELINE, tallies=tallies
    )
    change = {c.group.value: (c.previous, c.current, c.change) for c in report.change}
    assert change["white"] == (1, 0, -1)
    assert change["unknown"] == (0, 1, 1)
    assert change["mixed"] == (0, 1, 1)
    assert report.trend_months == ["2026-11"]
    assert [s.month for s in stored_snapshots(uow=register.uow, actor=cast.dpo)] == ["2026-11"]
