"""The web pages through Starlette's client: headers, HTML refusals, and the API left as JSON."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from listwarden.bootstrap import Register
from listwarden.web.app import API_CSP, PAGE_CSP, create_app


@pytest.fixture
def client(register: Register) -> Iterator[TestClient]:
    with TestClient(create_app(register), base_url="https://testserver") as test_client:
        yield test_client


def test_pages_carry_the_strict_csp_and_the_api_keeps_its_own(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == PAGE_CSP
    assert "unsafe-inline" not in PAGE_CSP
    assert "nonce-" not in PAGE_CSP
    assert page.headers["cache-control"] == "no-store"
    api = client.get("/api/v1/reference")
    assert api.headers["content-security-policy"] == API_CSP


def test_page_has_no_inline_script_or_style(client: TestClient) -> None:
    html = client.get("/").text
    assert "style=" not in html
    assert "<style" not in html
    for chunk in html.split("<script")[1:]:
        assert chunk.lstrip().startswith(("src=", 'type="module" src=')), chunk[:60]


def test_unknown_page_is_a_plain_html_page_and_unknown_api_route_a_problem(
    client: TestClient,
) -> None:
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text
    api = client.get("/api/v1/no-such-route")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


PUBLIC_PAGES = {"/", "/sign-in", "/signed-out"}


def _page_paths() -> list[str]:
    from fastapi.routing import APIRoute

    from listwarden.web.pages.routes import PAGE_MODULES

    return sorted(
        {
            r.path.replace("{list_id}", "0" * 36)
            .replace("{entry_id}", "0" * 36)
            .replace("{request_id}", "0" * 36)
            for module in PAGE_MODULES
            for r in module.router.routes
            if isinstance(r, APIRoute) and "GET" in r.methods
        }
    )


def test_every_page_but_the_public_ones_needs_sign_in(client: TestClient) -> None:
    paths = _page_paths()
    assert len(paths) > 10
    for path in paths:
        response = client.get(path, follow_redirects=False)
        if path in PUBLIC_PAGES:
            assert response.status_code == 200, path
        else:
            assert response.status_code == 303, path
            assert response.headers["location"] == "/sign-in", path


GET_FORMS = ("/reviews", "/compliance", "/equality")


def test_forms_that_carry_anything_personal_are_posted_with_a_csrf_token() -> None:
    """No personal data in URLs: every form posts, except the reviews window (a number) and the
    report selectors (a BCU code, a list reference, a basis)."""
    from pathlib import Path

    import listwarden.web

    templates = Path(listwarden.web.__file__).parent / "templates"
    forms = 0
    for template in templates.rglob("*.html"):
        for chunk in template.read_text().split("<form")[1:]:
            tag, body = chunk.split(">", 1)[0], chunk.split("</form>", 1)[0]
            forms += 1
            if any(f'action="{path}"' in tag for path in GET_FORMS):
                assert 'method="get"' in tag
                personal = ("given_name", "family_name", "dob-", "justification")
                assert not any(name in body for name in personal), (template.name, tag)
                continue
            assert 'method="post"' in tag, (template.name, tag)
            if 'action="/sign-in"' not in tag:
                assert 'name="csrf_token"' in body, (template.name, tag)
    assert forms > 10
