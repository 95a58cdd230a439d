"""Security headers are added to every response, as the plain ASGI middleware passes it on."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.testclient import TestClient

from listwarden.web.security_headers import SecurityHeaders

HEADERS = {"X-Frame-Options": "DENY", "Cache-Control": "no-store", "Content-Security-Policy": "api"}


def _client() -> TestClient:
    app = FastAPI()

    @app.get("/json")
    def as_json() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/page")
    def page() -> HTMLResponse:
        return HTMLResponse("<p>hello</p>")

    @app.get("/own")
    def own() -> JSONResponse:
        return JSONResponse({}, headers={"X-Frame-Options": "SAMEORIGIN"})

    @app.get("/static/app.css")
    def stylesheet() -> JSONResponse:
        return JSONResponse({})

    app.add_middleware(SecurityHeaders, headers=HEADERS, page_csp="page", cacheable=("/static/",))
    return TestClient(app)


def test_every_response_gets_the_headers_and_a_page_its_own_policy() -> None:
    client = _client()
    api, page = client.get("/json"), client.get("/page")
    for response in (api, page):
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["cache-control"] == "no-store"
    assert api.headers["content-security-policy"] == "api"
    assert page.headers["content-security-policy"] == "page"
    assert api.json() == {"ok": True}


def test_a_header_the_route_sets_itself_is_kept() -> None:
    assert _client().get("/own").headers["x-frame-options"] == "SAMEORIGIN"


def test_static_files_may_be_cached_and_nothing_else() -> None:
    client = _client()
    assert client.get("/static/app.css").headers["cache-control"] == "public, max-age=3600"
    assert client.get("/json").headers["cache-control"] == "no-store"
    # Each header is set once, not appended beside the route's own.
    assert client.get("/static/app.css").headers.get_list("cache-control") == [
        "public, max-age=3600"
    ]
