"""The compliance dashboard and the equality dashboard with its charts, for the roles they serve."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, Visit

CENSUS = ROOT.parent / "shared" / "data" / "census2011_london_boroughs_ethnic_group.csv"


def test_compliance_dashboard_shows_every_law_and_check(visit: Visit) -> None:
    page = visit.page
    visit.sign_in("dpo")
    page.goto("/")
    page.get_by_role("link", name="Compliance", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compliance")
    expect(page.get_by_test_id("laws").locator("tbody tr")).to_have_count(12)
    assert page.get_by_test_id("checks").locator("tbody tr").count() >= 20
    visit.check("compliance")


def test_equality_dashboard_draws_its_charts_for_the_equality_analyst_only(
    visit: Visit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LISTWARDEN_CENSUS_BASELINE", str(CENSUS))
    page = visit.page
    visit.sign_in("equality_analyst")
    page.goto("/equality")
    expect(page.get_by_role("heading", level=1)).to_have_text("Equality monitoring")
    charts = page.get_by_test_id("charts").get_by_role("img")
    assert charts.count() >= 2
    expect(charts.first).to_have_accessible_name(
        re.compile("^People listed per 1,000 residents by ethnic group, the force")
    )
    expect(page.get_by_test_id("rates")).to_contain_text("Unknown")
    visit.check("equality")
    visit.sign_in("officer")
    page.goto("/equality")
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot do this")
