"""The layout in a real browser: GOV.UK Frontend styles load under the strict CSP."""

from __future__ import annotations

from tests.browser.conftest import Demo, Visit


def test_start_page_is_styled_accessible_and_within_its_csp(visit: Visit, demo: Demo) -> None:
    response = visit.page.goto("/")
    assert response is not None
    assert response.status == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    page = visit.page
    assert page.get_by_role("heading", level=1).inner_text() == "listwarden"
    # The stylesheet and its fonts come from our static folder: the start button is GOV.UK green.
    colour = page.locator(".govuk-button--start").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert colour == "rgb(15, 122, 82)"
    # The module script ran (GOV.UK Frontend initialised) despite no inline script.
    page.wait_for_function("document.body.classList.contains('govuk-frontend-supported')")
    visit.check("start")
