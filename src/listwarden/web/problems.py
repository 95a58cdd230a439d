"""One table from listwarden's errors to RFC 9457 problem details, and the handlers that use it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from listwarden.domain import errors
from listwarden.domain.sharing import SharingNotPermitted

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "/problems/"
SCIM_MEDIA_TYPE = "application/scim+json"
SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
# RFC 7644 s.3.12: the scimType values that a reason code may carry through unchanged.
SCIM_TYPES = frozenset(
    {
        "invalidFilter",
        "tooMany",
        "uniqueness",
        "mutability",
        "invalidSyntax",
        "invalidPath",
        "noTarget",
        "invalidValue",
        "invalidVers",
        "sensitive",
    }
)

# The most specific class wins: the table is searched along the exception's MRO.
STATUS: dict[type[errors.ListwardenError], tuple[int, str]] = {
    errors.NotFound: (404, "Not found"),
    errors.Conflict: (409, "Conflict with the current state"),
    errors.InvalidInput: (422, "Invalid input"),
    errors.AuthenticationRequired: (401, "Authentication required"),
    errors.AccessDenied: (403, "Access denied"),
    errors.PolicyViolation: (403, "Refused by the register's rules"),
    errors.ListNotAuthorised: (409, "The list does not permit this now"),
    errors.AuthorisationIncomplete: (409, "The list cannot be authorised yet"),
    errors.ChildSafeguardMissing: (422, "Safeguards for a child are missing"),
    SharingNotPermitted: (409, "Not permitted under the sharing rules"),
    errors.KeyUnavailable: (503, "A key needed for this is unavailable"),
    errors.CiphertextTampered: (503, "Stored data failed its integrity check"),
    errors.LogIntegrityError: (503, "The access log failed verification"),
    errors.ListwardenError: (400, "Bad request"),
}


def problem_for(error: errors.ListwardenError) -> tuple[int, dict[str, Any]]:
    for cls in type(error).__mro__:
        if cls in STATUS:
            status, title = STATUS[cls]
            break
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + error.slug,
        "title": title,
        "status": status,
        "detail": error.detail,
    }
    if error.reasons:
        body["reasons"] = [reason.as_dict() for reason in error.reasons]
    if isinstance(error, errors.AccessDenied):
        body["policy"] = error.policy
    return status, body


def problem_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def scim_error(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    """The problem as RFC 7644's error: identity systems read ``scimType`` and a string status.

    SCIM answers a bad value with 400, where the rest of the API says 422; the reasons and the
    refusing policy travel alongside, as the problem would carry them.
    """
    if status == 422:
        status = 400
    error: dict[str, Any] = {
        "schemas": [SCIM_ERROR_SCHEMA],
        "status": str(status),
        "detail": body.get("detail", ""),
    }
    codes = [r.get("code") for r in body.get("reasons", ())]
    if status == 409:
        error["scimType"] = "uniqueness"
    elif status == 400:
        scim_type = next((c for c in codes if c in SCIM_TYPES), None)
        malformed = body.get("type") == PROBLEM_BASE + "malformed-json"
        error["scimType"] = scim_type or ("invalidSyntax" if malformed else "invalidValue")
    for key in ("reasons", "policy"):
        if key in body:
            error[key] = body[key]
    return JSONResponse(error, status_code=status, media_type=SCIM_MEDIA_TYPE, headers=headers)


def _simple(status: int, slug: str, title: str, detail: str) -> dict[str, Any]:
    return {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}


def simple_problem(status: int, slug: str, title: str, detail: str) -> JSONResponse:
    return problem_response(status, _simple(status, slug, title, detail))


PageRenderer = Callable[[Request, int, dict[str, Any]], Response]
"""Renders a problem as an HTML page for a person using the web pages rather than the API."""


def is_api_request(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/scim/", "/problems/"))


def install_problem_handlers(app: FastAPI, page: PageRenderer | None = None) -> None:
    """Problems are JSON for the API; on the web pages ``page`` explains them in plain words."""

    def respond(
        request: Request, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> Response:
        if page is not None and not is_api_request(request):
            return page(request, status, body)
        if request.url.path.startswith("/scim/"):
            return scim_error(status, body, headers)
        return problem_response(status, body, headers)

    @app.exception_handler(errors.ListwardenError)
    async def _domain(request: Request, error: errors.ListwardenError) -> Response:
        status, body = problem_for(error)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return respond(request, status, body, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> Response:
        reasons = []
        malformed = False
        for item in error.errors():
            loc = [str(p) for p in item.get("loc", ()) if p != "body"]
            if item.get("type") == "json_invalid":
                malformed = True
            reasons.append(
                {
                    "code": str(item.get("type", "invalid")),
                    "detail": str(item.get("msg", "invalid")),
                    "field": ".".join(loc) or "body",
                }
            )
        if malformed:
            return respond(
                request,
                400,
                {
                    "type": PROBLEM_BASE + "malformed-json",
                    "title": "Malformed JSON",
                    "status": 400,
                    "detail": "the request body is not valid JSON",
                    "reasons": reasons,
                },
            )
        return respond(
            request,
            422,
            {
                "type": PROBLEM_BASE + "invalid-input",
                "title": "Invalid input",
                "status": 422,
                "detail": "the request has invalid fields",
                "reasons": reasons,
            },
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        slug = {
            404: "not-found",
            405: "method-not-allowed",
            401: "authentication-required",
            413: "body-too-large",
        }.get(error.status_code, "http-error")
        detail = str(error.detail)
        return respond(request, error.status_code, _simple(error.status_code, slug, detail, detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        # Never a stack trace to the client; the server log keeps it.
        return respond(
            request,
            500,
            _simple(
                500,
                "internal-error",
                "Internal error",
                "an unexpected error occurred; it has been logged",
            ),
        )
