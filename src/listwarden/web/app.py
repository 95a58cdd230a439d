"""The ASGI application: API routes, web pages, problem handlers, body limits, security headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio.to_thread import current_default_thread_limiter
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from listwarden.bootstrap import Register
from listwarden.store.engine import POOL_SIZE
from listwarden.web.api import router
from listwarden.web.api_alerts import alerts_router
from listwarden.web.api_audit import audit_router
from listwarden.web.api_imports import IMPORTS_PATH, imports_router
from listwarden.web.api_loss import loss_router
from listwarden.web.api_reports import reports_router
from listwarden.web.api_rights import rights_router
from listwarden.web.api_session import session_router
from listwarden.web.api_share import share_router
from listwarden.web.api_users import users_router
from listwarden.web.limits import BodySizeLimit
from listwarden.web.pages.errors import error_page
from listwarden.web.pages.imports import IMPORT_PAGE_PATH
from listwarden.web.pages.routes import pages_router
from listwarden.web.problems import STATUS, install_problem_handlers
from listwarden.web.scheduled_sweep import sweep_router
from listwarden.web.scim import scim_router
from listwarden.web.security_headers import SecurityHeaders
from listwarden.web.templating import STATIC_DIR

API_CSP = "default-src 'none'; frame-ancestors 'none'"
PAGE_CSP = (
    # Everything a page uses comes from our own static files: no inline script or style, no
    # nonces, nothing from another origin, and forms post only back to us.
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": API_CSP,
}
UPLOAD_PATHS = (IMPORTS_PATH, IMPORT_PAGE_PATH)
"""The paths that take a legacy file, with their own larger body limit."""
STATIC_PREFIXES = ("/static/", "/assets/")
"""Built front-end files hold nothing personal, so browsers may cache them."""


@asynccontextmanager
async def _request_threads(_app: FastAPI) -> AsyncIterator[None]:
    """Run at most as many synchronous handlers at once as the engine pools connections."""
    current_default_thread_limiter().total_tokens = POOL_SIZE
    yield


def create_app(register: Register) -> FastAPI:
    app = FastAPI(
        lifespan=_request_threads,
        title="listwarden",
        version="0.1.0",
        description="A register for sensitive lists of people, lawful by construction.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.register = register
    install_problem_handlers(app, page=error_page)
    app.include_router(router)
    app.include_router(audit_router)
    app.include_router(session_router)
    app.include_router(users_router)
    app.include_router(scim_router)
    app.include_router(share_router)
    app.include_router(reports_router)
    app.include_router(loss_router)
    app.include_router(rights_router)
    app.include_router(imports_router)
    app.include_router(alerts_router)
    app.include_router(pages_router)
    app.include_router(sweep_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    app.mount(
        "/assets", StaticFiles(directory=STATIC_DIR / "assets", check_dir=False), name="assets"
    )

    @app.get("/problems/{slug}", include_in_schema=False)
    def problem_type(slug: str) -> JSONResponse:
        titles = {cls.slug: title for cls, (_, title) in STATUS.items()}
        return JSONResponse({"type": f"/problems/{slug}", "title": titles.get(slug, slug)})

    settings = register.settings
    uploads = dict.fromkeys(UPLOAD_PATHS, settings.max_upload_bytes)
    app.add_middleware(
        SecurityHeaders, headers=SECURITY_HEADERS, page_csp=PAGE_CSP, cacheable=STATIC_PREFIXES
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, uploads=uploads)
    return app
