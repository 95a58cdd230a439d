"""Small accessible SVG charts as strings: no script, no external asset, every text escaped.

Each chart names itself with ``<title>`` and ``<desc>`` (referenced by ``aria-labelledby``),
writes every value beside its mark as text, and tells series apart by dash pattern as well as
colour, so it reads the same to a screen reader, in print and in greyscale.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from listwarden.domain.equality import DisparityRatio, GroupRate
from listwarden.domain.errors import InvalidInput, Reason

WIDTH = 600
ROW = 26  # height of one bar or ratio row
LABEL_WIDTH = 130
PLOT_WIDTH = 300
TOP = 20
INK, MUTED, BAR, REFERENCE = "#1b1b1b", "#505a5f", "#1d70b8", "#d4351c"
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2")  # series differ by dash as well as colour
COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#4c2c92", "#b58840")
NO_FIGURE = "no figure"

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


def _open(chart_id: str, title: str, description: str, height: int) -> list[str]:
    if not _ID.fullmatch(chart_id):
        raise InvalidInput(
            f"invalid chart id {chart_id!r}",
            reasons=[Reason("invalid-chart-id", "a letter, then letters, digits, - or _")],
        )
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="sans-serif" font-size="12" fill="{INK}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _text(x: float, y: float, content: str, **attributes: str) -> str:
    extra = "".join(f" {k.replace('_', '-')}={quoteattr(v)}" for k, v in attributes.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(content)}</text>'


def _number(value: float) -> str:
    return f"{value:,.2f}"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[tuple[str, float | None]],
    unit: str = "per 1,000 residents",
    reference: float | None = None,
    reference_label: str = "all residents",
) -> str:
    """Horizontal bars with their values, and an optional reference line (say, the force rate)."""
    height = TOP + ROW * len(bars) + 40
    values = [v for _, v in bars if v is not None] + ([reference] if reference is not None else [])
    top = max(values, default=0.0) or 1.0
    out = _open(chart_id, title, description, height)
    for n, (label, value) in enumerate(bars):
        y = TOP + n * ROW
        shown = f"{_number(value)} {unit}" if value is not None else NO_FIGURE
        out.append(f'<g class="bar"><title>{escape(f"{label}: {shown}")}</title>')
        out.append(_text(LABEL_WIDTH - 6, y + 16, label, text_anchor="end"))
        if value is None:
            out.append(_text(LABEL_WIDTH + 4, y + 16, NO_FIGURE, fill=MUTED, font_style="italic"))
        else:
            length = PLOT_WIDTH * value / top
            out.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{length:.1f}" height="{ROW - 8}" '
                f'fill="{BAR}"/>'
            )
            out.append(_text(LABEL_WIDTH + length + 4, y + 16, _number(value)))
        out.append("</g>")
    if reference is not None:
        x = LABEL_WIDTH + PLOT_WIDTH * reference / top
        bottom = TOP + ROW * len(bars)
        out.append(
            f'<line class="reference" x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{bottom}" '
            f'stroke="{REFERENCE}" stroke-width="2" stroke-dasharray="4 2"/>'
        )
        caption = f"{reference_label}: {_number(reference)}"
        out.append(_text(x, bottom + 16, caption, text_anchor="middle", fill=REFERENCE))
    out.append(_text(LABEL_WIDTH, height - 6, unit, fill=MUTED))
    out.append("</svg>")
    return "\n".join(out)


def rate_chart(*, chart_id: str, title: str, description: str, rates: Iterable[GroupRate]) -> str:
    """Rates per 1,000 residents by group, against the rate over all residents."""
    rows = list(rates)
    # Everyone counted, "unknown" included, over every resident: the rate if all were alike.
    residents = sum(r.population or 0 for r in rows)
    reference = sum(r.count for r in rows) * 1000 / residents if residents else None
    bars = [(r.group.value.capitalize(), r.rate_per_1000) for r in rows]
    return bar_chart(
        chart_id=chart_id,
        title=title,
        description=description,
        bars=bars,
        reference=reference,
        reference_label="all residents",
    )


def disparity_chart(
    *, chart_id: str, title: str, description: str, ratios: Iterable[DisparityRatio]
) -> str:
    """Each ratio as a point with its confidence interval, on a log scale with parity at 1."""
    rows = list(ratios)
    plotted = [v for r in rows for v in (r.ratio, r.lower, r.upper) if v]
    low = min([*plotted, 0.5]) / 1.25
    high = max([*plotted, 2.0]) * 1.25

    def x(value: float) -> float:
        return LABEL_WIDTH + PLOT_WIDTH * math.log(value / low) / math.log(high / low)

    height = TOP + ROW * len(rows) + 40
    out = _open(chart_id, title, description, height)
    bottom = TOP + ROW * len(rows)
    out.append(
        f'<line class="parity" x1="{x(1):.1f}" y1="{TOP}" x2="{x(1):.1f}" y2="{bottom}" '
        f'stroke="{MUTED}" stroke-dasharray="4 2"/>'
    )
    out.append(_text(x(1), TOP - 4, "parity (1.0)", text_anchor="middle", fill=MUTED))
    for tick in (m * 10.0**e for e in range(-2, 4) for m in (1, 2, 5)):
        if low <= tick <= high:
            out.append(_text(x(tick), bottom + 16, f"{tick:g}", text_anchor="middle", fill=MUTED))
    for n, r in enumerate(rows):
        y = TOP + n * ROW + ROW / 2
        label = r.group.value.capitalize()
        if r.ratio and r.lower and r.upper:
            shown = f"{_number(r.ratio)} ({_number(r.lower)} to {_number(r.upper)})"
        elif r.ratio is not None:
            shown = f"{_number(r.ratio)} (no interval)"
        else:
            shown = NO_FIGURE
        out.append(f'<g class="ratio"><title>{escape(f"{label}: {shown}")}</title>')
        out.append(_text(LABEL_WIDTH - 6, y + 4, label, text_anchor="end"))
        if r.lower and r.upper:
            x1, x2 = x(r.lower), x(r.upper)
            out.append(
                f'<path class="whisker" d="M{x1:.1f} {y:.1f}H{x2:.1f}'
                f'M{x1:.1f} {y - 5:.1f}V{y + 5:.1f}M{x2:.1f} {y - 5:.1f}V{y + 5:.1f}" '
                f'stroke="{INK}" fill="none"/>'
            )
        if r.ratio:
            out.append(f'<circle cx="{x(r.ratio):.1f}" cy="{y:.1f}" r="4" fill="{BAR}"/>')
        out.append(_text(LABEL_WIDTH + PLOT_WIDTH + 8, y + 4, shown))
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


def trend_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    months: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    unit: str = "entries",
) -> str:
    """Monthly lines, one per series, broken where a month has no figure."""
    if any(len(values) != len(months) for values in series.values()) or not months:
        raise InvalidInput(
            "a trend needs one value per month in every series",
            reasons=[Reason("trend-shape", "one value (or None) per month, at least one month")],
        )
    plot_height, left, bottom = 160, 60, TOP + 160
    height = bottom + 40 + 18 * len(series)
    values = [v for vs in series.values() for v in vs if v is not None]
    top = max(values, default=0.0) or 1.0
    step = (WIDTH - left - 20) / max(len(months) - 1, 1)

    def point(n: int, value: float) -> tuple[float, float]:
        return left + n * step, bottom - plot_height * value / top

    out = _open(chart_id, title, description, height)
    out.append(f'<path class="axis" d="M{left} {TOP}V{bottom}H{WIDTH - 20}" stroke="{MUTED}"/>')
    out.append(_text(left - 6, TOP + 4, _number(top), text_anchor="end", fill=MUTED))
    out.append(_text(left - 6, bottom, "0", text_anchor="end", fill=MUTED))
    for n, month in enumerate(months):
        out.append(_text(point(n, 0)[0], bottom + 16, month, text_anchor="middle"))
    for k, (name, data) in enumerate(series.items()):
        colour, dash = COLOURS[k % len(COLOURS)], DASHES[k % len(DASHES)]
        out.append(f'<g class="series"><title>{escape(name)}</title>')
        segments: list[list[tuple[float, float]]] = [[]]
        for n, value in enumerate(data):
            if value is None:
                segments.append([])
                continue
            segments[-1].append(point(n, value))
            cx, cy = point(n, value)
            caption = f"{name}, {months[n]}: {_number(value)} {unit}"
            out.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(caption)}</title></circle>"
            )
        for segment in (s for s in segments if len(s) > 1):
            points = " ".join(f"{px:.1f},{py:.1f}" for px, py in segment)
            out.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"'
                + (f' stroke-dasharray="{dash}"' if dash else "")
                + "/>"
            )
        y = bottom + 36 + 18 * k
        out.append(
            f'<line x1="{left}" y1="{y - 4}" x2="{left + 24}" y2="{y - 4}" stroke="{colour}" '
            f'stroke-width="2"' + (f' stroke-dasharray="{dash}"' if dash else "") + "/>"
        )
        out.append(_text(left + 30, y, name))
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
