"""A subject access response as the person reads it: plain lines, and a PDF of those lines."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from listwarden.dlp.writers import pdf_bytes

WIDTH = 95
SECTIONS = (
    ("person", "person"),
    ("entries", "entries"),
    ("disclosures", "disclosures"),
    ("monitoring", "equality monitoring (held apart, used only to check fair treatment)"),
    ("consultations", "consultations"),
    ("restrictions", "restrictions"),
)


def _lines(value: Any, indent: int) -> list[str]:
    pad = "  " * indent
    if isinstance(value, Mapping):
        out: list[str] = []
        for key, item in value.items():
            label = str(key).replace("_", " ")
            if isinstance(item, Mapping | list) and item:
                out.append(f"{pad}{label}:")
                out += _lines(item, indent + 1)
            else:
                text = "-" if item in (None, [], {}) else str(item)
                out += textwrap.wrap(
                    f"{label}: {text}", WIDTH, initial_indent=pad, subsequent_indent=pad + "    "
                ) or [pad]
        return out
    if isinstance(value, list):
        out = []
        for n, item in enumerate(value, start=1):
            out.append(f"{pad}({n})")
            out += _lines(item, indent + 1)
        return out
    return textwrap.wrap(str(value), WIDTH, initial_indent=pad, subsequent_indent=pad) or [pad]


def sar_lines(document: Mapping[str, Any]) -> list[str]:
    """The response, section by section, wrapped for reading."""
    head = [
        "Your request for the personal data we hold about you (DPA 2018 s.45)",
        f"Request {document['request_id']}, answered on {document['compiled_on']}",
        "",
    ]
    if document.get("neither_confirm_nor_deny"):
        return head + textwrap.wrap(str(document["statement"]), WIDTH)
    body: list[str] = []
    for section, title in SECTIONS:
        body += ["", title.upper()]
        body += _lines(document.get(section) or "none", 1)
    return head + body


def sar_pdf(document: Mapping[str, Any]) -> bytes:
    return pdf_bytes(sar_lines(document))
