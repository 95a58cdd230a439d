"""The shipped DPIA template (DPA 2018 s.64(3)), which an owner copies for each list."""

from __future__ import annotations

from importlib import resources


def dpia_template() -> str:
    """The template's Markdown text, with what the shipped system does under each heading."""
    return (
        resources.files("listwarden.policy")
        .joinpath("defaults", "dpia", "template.md")
        .read_text(encoding="utf-8")
    )
