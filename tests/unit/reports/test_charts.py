"""SVG charts: well-formed, accessible, self-contained, and every text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from listwarden.domain.equality import DisparityRatio, EthnicGroup, GroupRate
from listwarden.domain.errors import InvalidInput
from listwarden.reports.charts import (
    NO_FIGURE,
    bar_chart,
    disparity_chart,
    rate_chart,
    trend_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & friends'


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - parsing our own output, not untrusted input
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = (root.get("aria-labelledby") or "").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert (title.get("id"), desc.get("id")) == (title_id, desc_id)
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def assert_self_contained(root: ET.Element) -> None:
    for element in root.iter():
        assert element.tag.removeprefix(SVG) not in {"script", "foreignObject", "image", "use"}
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), name
            assert "href" not in name.lower(), name
            assert "url(" not in value, value


RATES = (
    GroupRate(EthnicGroup.WHITE, 15, 15 / 90, 25_000, 0.6),
    GroupRate(EthnicGroup.MIXED, 3, 3 / 90, 2_500, 1.2),
    GroupRate(EthnicGroup.ASIAN, 7, 7 / 90, 7_000, 1.0),
    GroupRate(EthnicGroup.BLACK, 50, 50 / 90, 4_000, 12.5),
    GroupRate(EthnicGroup.OTHER, 0, 0.0, 1_500, 0.0),
    GroupRate(EthnicGroup.UNKNOWN, 15, 15 / 90, None, None),
)


def test_rate_chart_has_a_bar_per_figure_and_the_all_residents_line() -> None:
    svg = rate_chart(
        chart_id="rates", title="Rates per 1,000", description="By group.", rates=RATES
    )
    root = parse(svg)
    assert_self_contained(root)
    assert root.findtext(f"{SVG}title") == "Rates per 1,000"
    assert len(root.findall(f".//{SVG}rect")) == 5  # unknown has no rate, so no bar
    words = texts(root)
    assert "12.50" in words
    assert "Black" in words
    assert NO_FIGURE in words
    # 90 people over 40,000 residents: 2.25 per 1,000.
    assert "all residents: 2.25" in words
    assert len(root.findall(f".//{SVG}line[@class='reference']")) == 1
    groups = root.findall(f"{SVG}g[@class='bar']")
    assert [g.findtext(f"{SVG}title") for g in groups][3] == "Black: 12.50 per 1,000 residents"


def test_text_is_escaped_never_interpreted() -> None:
    svg = bar_chart(
        chart_id="x", title=HOSTILE, description=HOSTILE, bars=[(HOSTILE, 1.0), ("b", None)]
    )
    assert "<script>" not in svg
    root = parse(svg)
    assert_self_contained(root)
    assert root.findtext(f"{SVG}title") == HOSTILE
    assert root.findtext(f"{SVG}desc") == HOSTILE
    assert HOSTILE in texts(root)


def test_bar_lengths_are_proportional() -> None:
    root = parse(bar_chart(chart_id="p", title="t", description="d", bars=[("a", 1), ("b", 4)]))
    widths = [float(r.get("width") or 0) for r in root.iter(f"{SVG}rect")]
    assert widths[1] == pytest.approx(4 * widths[0])


def test_all_zero_or_empty_charts_still_draw() -> None:
    parse(bar_chart(chart_id="z", title="t", description="d", bars=[("a", 0.0)]))
    parse(bar_chart(chart_id="e", title="t", description="d", bars=[]))


@pytest.mark.parametrize("bad", ["", "1abc", "a b", "a\"onload='x'", "x" * 65])
def test_chart_ids_are_plain(bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        bar_chart(chart_id=bad, title="t", description="d", bars=[])
    assert caught.value.reasons[0].code == "invalid-chart-id"


def test_disparity_chart_draws_whiskers_and_states_each_interval() -> None:
    ratios = (
        DisparityRatio(EthnicGroup.MIXED, 2.0, 0.579, 6.908),
        DisparityRatio(EthnicGroup.ASIAN, 1.6667, 0.6796, 4.0877),
        DisparityRatio(EthnicGroup.BLACK, 20.8333, 11.6996, 37.0976),
        DisparityRatio(EthnicGroup.OTHER, 0.0, None, None),
    )
    root = parse(
        disparity_chart(
            chart_id="d", title="Disparity", description="Against White.", ratios=ratios
        )
    )
    assert_self_contained(root)
    assert len(root.findall(f".//{SVG}path[@class='whisker']")) == 3
    assert len(root.findall(f".//{SVG}circle")) == 3
    words = texts(root)
    assert "20.83 (11.70 to 37.10)" in words
    assert "0.00 (no interval)" in words
    assert "parity (1.0)" in words
    assert {"1", "2", "5", "10", "20"} <= set(words)  # log-scale ticks
    # On a log scale the point sits between its whisker ends.
    black = root.findall(f"{SVG}g[@class='ratio']")[2]
    circle = black.find(f"{SVG}circle")
    assert circle is not None
    whisker = black.find(f"{SVG}path")
    assert whisker is not None
    d = whisker.get("d") or ""  # "M<x1> <y>H<x2>M…"
    x1, x2 = float(d[1:].split()[0]), float(d.split("H")[1].split("M")[0])
    assert x1 < float(circle.get("cx") or 0) < x2


def test_disparity_chart_with_nothing_to_plot() -> None:
    root = parse(
        disparity_chart(
            chart_id="n",
            title="t",
            description="d",
            ratios=[DisparityRatio(EthnicGroup.BLACK, None, None, None)],
        )
    )
    assert NO_FIGURE in texts(root)


def test_trend_chart_breaks_lines_at_missing_months() -> None:
    months = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    series = {"Black": [40, 42, None, 45, 50], "White <all>": [10, 11, 12, 12, 15]}
    root = parse(
        trend_chart(
            chart_id="t", title="Trend", description="Monthly.", months=months, series=series
        )
    )
    assert_self_contained(root)
    lines = root.findall(f".//{SVG}g[@class='series']")
    assert [g.findtext(f"{SVG}title") for g in lines] == ["Black", "White <all>"]
    assert len(lines[0].findall(f"{SVG}polyline")) == 2  # broken at March
    assert len(lines[1].findall(f"{SVG}polyline")) == 1
    assert len(lines[0].findall(f"{SVG}circle")) == 4
    assert lines[1].find(f"{SVG}polyline") is not None
    dashes = [g.find(f"{SVG}polyline").get("stroke-dasharray") for g in lines]  # type: ignore[union-attr]
    assert dashes[0] != dashes[1]  # told apart without colour
    assert set(months) <= set(texts(root))
    first_point = lines[0].find(f"{SVG}circle")
    assert first_point is not None
    assert first_point.findtext(f"{SVG}title") == "Black, 2026-01: 40.00 entries"


def test_trend_chart_refuses_ragged_series() -> None:
    with pytest.raises(InvalidInput):
        trend_chart(chart_id="t", title="t", description="d", months=["a"], series={"x": []})
