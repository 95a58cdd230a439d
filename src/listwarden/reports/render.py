"""Rendering oversight reports: HTML through Jinja2 templates with SVG charts, PDF through
WeasyPrint, CSV with one row per figure. Every renderer takes the report's JSON form, so what
is printed is exactly what ``--format json`` gives.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from listwarden.domain.equality import DisparityRatio, EthnicGroup, GroupRate
from listwarden.reports.charts import bar_chart, disparity_chart, rate_chart, trend_chart

TEMPLATES = Path(__file__).parent / "templates"
FORMATS = ("html", "pdf", "json", "csv")


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def html(template: str, *, title: str, subtitle: str, **context: Any) -> str:
    """Render ``template`` (a file in ``templates/``) to a whole HTML page."""
    page = _environment().get_template(template)
    return page.render(title=title, subtitle=subtitle, **context)


def pdf(page: str) -> bytes:
    """The HTML page as a PDF (A4, the page's own print styles)."""
    from weasyprint import HTML

    return bytes(HTML(string=page, base_url=str(TEMPLATES)).write_pdf())


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


# The compliance report.


def compliance_html(data: Mapping[str, Any]) -> str:
    failing = [c for c in data["checks"] if c["status"] == "fail"]
    chart = bar_chart(
        chart_id="failing-checks",
        title="Failing checks by the number of records they found",
        description="; ".join(f"{c['id']}: {c['evidence'].get('count', 1)}" for c in failing)
        or "No check is failing.",
        bars=[(c["id"], float(c["evidence"].get("count", 1))) for c in failing],
        unit="records found",
    )
    counts = dict.fromkeys(("pass", "fail", "not_yet_evidenced"), 0)
    for c in data["checks"]:
        counts[c["status"]] += 1
    return html(
        "compliance.html.j2",
        title="Compliance report" + ("" if data["scope"] == "force" else f": BCU {data['scope']}"),
        subtitle=f"Generated {data['generated_at']}",
        checks=data["checks"],
        steps=data["steps"],
        counts=counts,
        chart=chart,
    )


COMPLIANCE_COLUMNS = (
    "check",
    "title",
    "source",
    "severity",
    "laws",
    "annex_steps",
    "status",
    "count",
    "ids",
)


def compliance_csv(data: Mapping[str, Any]) -> str:
    return csv_text(
        COMPLIANCE_COLUMNS,
        (
            (
                c["id"], c["title"], c["source"], c["severity"],
                " ".join(str(n) for n in c["laws"]), " ".join(c["annex_steps"]), c["status"],
                c["evidence"].get("count"), " ".join(c["evidence"].get("ids", [])),
            )
            for c in data["checks"]
        ),
    )  # fmt: skip


# The monthly progress report.


def monthly_html(document: Mapping[str, Any]) -> str:
    body = document["body"]
    return html(
        "monthly.html.j2",
        title=f"Monthly progress report, {body['month']}",
        subtitle=f"Generated {body['generated_at']}; against each step of Annex 1 to the notice",
        body=body,
        verifier_key=document["verifier_key"],
    )


def monthly_csv(document: Mapping[str, Any]) -> str:
    body = document["body"]
    return csv_text(
        ("month", "step", "text", "status", "previous", "change", "checks", "failing"),
        (
            (body["month"], s["key"], s["text"], s["status"], s["previous"], s["change"],
             " ".join(s["checks"]), " ".join(s["failing"]))
            for s in body["steps"] + body["laws"]
        ),
    )  # fmt: skip


# The equality report.


def _rates(row: Mapping[str, Any]) -> list[GroupRate]:
    return [
        GroupRate(
            EthnicGroup(r["group"]), r["count"], r["share"], r["population"], r["rate_per_1000"]
        )
        for r in row["rates"]
    ]


def _ratios(row: Mapping[str, Any]) -> list[DisparityRatio]:
    return [
        DisparityRatio(EthnicGroup(r["group"]), r["ratio"], r["lower"], r["upper"])
        for r in row["ratios"]
    ]


def equality_charts(data: Mapping[str, Any]) -> list[str]:
    area = data["areas"][0]
    where = "the force" if area["label"] == "force" else f"BCU {area['label']}"
    charts = [
        rate_chart(
            chart_id="rates",
            title=f"People listed per 1,000 residents by ethnic group, {where}",
            description="The rate for each group against the rate over all residents.",
            rates=_rates(area),
        ),
        disparity_chart(
            chart_id="disparity",
            title=f"Disparity ratios against White residents, {where}",
            description="Each group's rate over the White rate, with a 95% confidence interval.",
            ratios=_ratios(area),
        ),
    ]
    if data["trend_months"]:
        charts.append(
            trend_chart(
                chart_id="trend",
                title="People listed by ethnic group at each month end",
                description="Counts from the stored month-end snapshots.",
                months=data["trend_months"],
                series={g: [float(n) for n in ns] for g, ns in data["trend"].items()},
            )
        )
    return charts


def _with_ratio_lookup(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "ratios_by_group": {d["group"]: d for d in r["ratios"]}} for r in rows]


def equality_html(data: Mapping[str, Any]) -> str:
    return html(
        "equality.html.j2",
        title="Equality monitoring report"
        + ("" if data["scope"] == "force" else f": BCU {data['scope']}"),
        subtitle=f"Generated {data['generated_at']}",
        basis=data["basis"],
        baseline=data["baseline"],
        charts=equality_charts(data),
        areas=_with_ratio_lookup(data["areas"]),
        children=_with_ratio_lookup(data["children"]),
        breakdowns={k: _with_ratio_lookup(v) for k, v in data["breakdowns"].items()},
        change=data["change"],
    )


EQUALITY_COLUMNS = (
    "table", "row", "group", "count", "share", "population", "rate_per_1000",
    "ratio_to_white", "ratio_lower_95", "ratio_upper_95",
)  # fmt: skip


def equality_csv(data: Mapping[str, Any]) -> str:
    tables = {"area": data["areas"], "children": data["children"], **data["breakdowns"]}

    def rows() -> Iterable[Sequence[object]]:
        for name, figures in tables.items():
            for f in figures:
                ratios = {d["group"]: d for d in f["ratios"]}
                for r in f["rates"]:
                    d = ratios.get(r["group"], {})
                    yield (
                        name, f["label"], r["group"], r["count"], r["share"], r["population"],
                        r["rate_per_1000"], d.get("ratio"), d.get("lower"), d.get("upper"),
                    )  # fmt: skip

    return csv_text(EQUALITY_COLUMNS, rows())


# The publication page, the DPIA register and a BCU audit.


def publication_html(data: Mapping[str, Any]) -> str:
    return html(
        "publication.html.j2",
        title="How our lists of people work",
        subtitle=f"Published {data['generated_at']}; residents from {data['baseline']}",
        pages=data["lists"],
    )


def publication_csv(data: Mapping[str, Any]) -> str:
    def rows() -> Iterable[Sequence[object]]:
        for page in data["lists"]:
            for dimension, figure in page["figures"].items():
                for row in figure["rows"]:
                    for column, count in row["counts"].items():
                        yield (
                            page["name"],
                            dimension,
                            row["label"],
                            column,
                            count,
                            row["rates"][column],
                        )

    return csv_text(("list", "dimension", "row", "group", "count", "rate_per_1000"), rows())


DPIA_COLUMNS = (
    "list", "status", "owner", "dpia_author", "dpia_approved_by", "dpia_approved_on",
    "dpia_review_on", "prior_consultation", "equality_impact_assessed", "policy_document",
    "schedule_8_condition", "retention_schedule", "authorised_by", "authorised_on",
)  # fmt: skip


def dpia_html(data: Mapping[str, Any]) -> str:
    section = {"caption": "Lists and their assessments", "columns": DPIA_COLUMNS, "text": [],
               "rows": [[r[c] for c in DPIA_COLUMNS] for r in data["lists"]]}  # fmt: skip
    return html(
        "table.html.j2",
        title="Register of lists and their data protection impact assessments",
        subtitle=f"Generated {data['generated_at']}",
        sections=[section],
    )


def dpia_csv(data: Mapping[str, Any]) -> str:
    return csv_text(DPIA_COLUMNS, ([r[c] for c in DPIA_COLUMNS] for r in data["lists"]))


FINDING_COLUMNS = ("id", "check_id", "summary", "owner_id", "due_on", "closed_at", "action_taken")


def bcu_html(data: Mapping[str, Any]) -> str:
    evidence = data["evidence"]
    failing = [c for c in evidence.get("checks", []) if c["status"] == "fail"]
    state = f"closed {data['closed_at']}: {data['conclusion']}" if data["closed_at"] else "open."
    opened = f"Audit {data['id']} of BCU {data['bcu']}, opened {data['opened_at']}"
    sections = [
        {"caption": "", "columns": (), "rows": [], "text": [
            f"{opened} by {data['auditor_id']}; {state}",
            "The evidence below was frozen when the audit was opened.",
        ]},
        {"caption": "Findings", "columns": FINDING_COLUMNS, "text": [],
         "rows": [[f[c] for c in FINDING_COLUMNS] for f in data["findings"]]},
        {"caption": "Failing checks in the frozen evidence", "text": [],
         "columns": ("check", "severity", "count", "identifiers"),
         "rows": [[c["id"], c["severity"], c["evidence"].get("count"),
                   " ".join(c["evidence"].get("ids", []))] for c in failing]},
    ]  # fmt: skip
    return html(
        "table.html.j2",
        title=f"BCU audit: {data['bcu']}",
        subtitle=f"Opened {data['opened_at']}",
        sections=sections,
    )


def bcu_csv(data: Mapping[str, Any]) -> str:
    return csv_text(FINDING_COLUMNS, ([f[c] for c in FINDING_COLUMNS] for f in data["findings"]))
