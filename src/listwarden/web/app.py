"""The ASGI application: API routes, problem handlers, body limits and security headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from listwarden.bootstrap import Register
from listwarden.web.api import router
from listwarden.web.api_audit import audit_router
from listwarden.web.limits import BodySizeLimit
from listwarden.web.problems import STATUS, install_problem_handlers

SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def create_app(register: Register) -> FastAPI:
    app = FastAPI(
        title="listwarden",
        version="0.1.0",
        description="A register for sensitive lists of people, lawful by construction.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.register = register
    install_problem_handlers(app)
    app.include_router(router)
    app.include_router(audit_router)

    @app.get("/problems/{slug}", include_in_schema=False)
    def problem_type(slug: str) -> JSONResponse:
        titles = {cls.slug: title for cls, (_, title) in STATUS.items()}
        return JSONResponse({"type": f"/problems/{slug}", "title": titles.get(slug, slug)})

    @app.middleware("http")
    async def _headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    app.add_middleware(BodySizeLimit, max_bytes=register.settings.max_body_bytes)
    return app
