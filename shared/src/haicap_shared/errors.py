"""One tree of application errors, rendered once as RFC 9457 problem details.

Services raise these; they never raise ``HTTPException``. Each class carries its HTTP status
and a stable machine-readable ``code`` that clients may branch on.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from .logs import already_logged, mark_logged

PROBLEM_MEDIA_TYPE = "application/problem+json"
logger = logging.getLogger("haicap.errors")


PROBLEM_TYPE_BASE = "https://haicap.gov.vn/problems/"


class ProblemFieldError(BaseModel):
    """One failing part of a malformed request (a 422 ``validation_error``)."""

    location: list[str | int] = Field(
        description="Where: `body`, `query`, `path`, `header` (or `record`: a stored record's field), then the field's path"
    )
    message: str
    type: str = Field(description="The kind of failure, e.g. `missing`, `string_too_long`")


class Problem(BaseModel):
    """An RFC 9457 problem details body, with haicap's stable `code` to branch on.

    Each response of an operation lists the codes it may carry. A problem may have more
    members that say more about it (`service`, `current_etag`, `limit`, `retry_after`, a
    per-row report...).
    """

    model_config = ConfigDict(extra="allow")

    type: str = Field(description=f"A URI naming the kind of problem: `{PROBLEM_TYPE_BASE}<code>`")
    title: str
    status: int = Field(description="The HTTP status")
    code: str = Field(description="The stable code to branch on")
    detail: str | None = None
    instance: str | None = Field(None, description="The path of the request")
    errors: list[ProblemFieldError] | None = Field(None, description="The failing fields of a 422 `validation_error`")


class AppError(Exception):
    """Base of every error a service reports to its caller."""

    status: int = 500
    code: str = "internal_error"
    title: str = "Internal error"

    def __init__(self, detail: str | None = None, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"{PROBLEM_TYPE_BASE}{self.code}",
            "title": self.title,
            "status": self.status,
            "code": self.code,
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class BadRequest(AppError):
    status, code, title = 422, "invalid_request", "The request is not valid"


class NotFound(AppError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(AppError):
    status, code, title = 409, "conflict", "The request conflicts with the current state"


class PreconditionFailed(AppError):
    status, code, title = 412, "stale_version", "The resource has changed since it was read"


class PreconditionRequired(AppError):
    status, code, title = 428, "if_match_required", "If-Match is required to change this resource"


class UpstreamUnavailable(AppError):
    status, code, title = 503, "upstream_unavailable", "A service this request needs is unavailable"

    def __init__(self, service: str, detail: str | None = None) -> None:
        super().__init__(detail or f"The {service} service could not be reached", service=service)
        self.service = service


class UpstreamTimeout(AppError):
    status, code, title = 504, "upstream_timeout", "A service this request needs did not answer in time"

    def __init__(self, service: str, detail: str | None = None) -> None:
        super().__init__(detail or f"The {service} service did not answer in time", service=service)
        self.service = service


class MalformedBody(AppError):
    status, code, title = 400, "malformed_body", "The request body cannot be parsed"


class ValidationFailed(AppError):
    status, code, title = 422, "validation_error", "The request is malformed"


class IntegrityConflict(Conflict):
    code = "integrity_conflict"


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def log_unhandled(exc: BaseException, *, method: str, path: str) -> None:
    """Log an error no handler took, once: the first call logs it (with its traceback), later ones do nothing.

    NOTE: the request-id middleware calls this while the request id is known; the exception is
    then marked, so Starlette's server-error handler and uvicorn (which see it later, outside
    the request id) do not log it again (:class:`~haicap_shared.logs.SkipLoggedErrors`).
    """
    if already_logged(exc):
        return
    logger.error("unhandled error", exc_info=exc, extra={"method": method, "path": path})
    mark_logged(exc)


def internal_error_response(instance: str | None = None) -> JSONResponse:
    """The 500 problem of an unhandled error (which says nothing of the error itself)."""
    return problem_response(AppError("An unexpected error occurred; it has been logged").problem(instance))


def problem_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries declaring which problems a route may return.

    Each status lists its codes (``x-problem-codes``, an enum of ``code``, the description);
    ``haicap_shared.openapi`` adds what the shared library answers itself (401, 422...).
    """
    from .openapi import problem_entry

    codes: dict[int, dict[str, str]] = {}
    for error in errors:
        codes.setdefault(error.status, {}).setdefault(error.code, error.title)
    return {status: problem_entry(found) for status, found in codes.items()}


_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app takes on the request's path (the ``Allow`` of a 405).

    NOTE: Starlette's 405 names only the methods of the first route whose path matched, so a
    path served by a GET route and a POST route was answered ``Allow: GET``.
    """
    methods: set[str] = set()
    # NOTE: FastAPI keeps an included router as one entry; iter_route_contexts yields its routes.
    for route in iter_route_contexts(request.app.routes):
        route_methods = route.methods
        if route_methods and route.matches(request.scope)[0] is not Match.NONE:
            methods |= set(route_methods)
    return sorted(methods, key=lambda m: (_METHOD_ORDER.index(m) if m in _METHOD_ORDER else len(_METHOD_ORDER), m))


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"location": list(err.get("loc", ())), "message": err.get("msg", ""), "type": err.get("type", "")} for err in exc.errors()
    ]


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error the app can raise, the framework's own included, as a problem."""

    async def app_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AppError)
        return problem_response(exc.problem(request.url.path), headers=getattr(exc, "headers", None))

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        body = {
            "type": f"{PROBLEM_TYPE_BASE}{ValidationFailed.code}",
            "title": ValidationFailed.title,
            "status": ValidationFailed.status,
            "code": ValidationFailed.code,
            "detail": "; ".join(f"{'.'.join(str(p) for p in e['location'])}: {e['message']}" for e in _validation_errors(exc)),
            "instance": request.url.path,
            "errors": _validation_errors(exc),
        }
        return problem_response(body)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}
        code = codes.get(exc.status_code, f"http_{exc.status_code}")
        body: dict[str, Any] = {"title": str(exc.detail)}
        if exc.status_code == MalformedBody.status:
            # NOTE: FastAPI's 400 for a body it cannot read (bytes that are not UTF-8 JSON, a broken form).
            code = MalformedBody.code
            body = {"title": MalformedBody.title, "detail": str(exc.detail)}
        body = {"type": f"{PROBLEM_TYPE_BASE}{code}", **body, "status": exc.status_code, "code": code}
        body["instance"] = request.url.path
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return problem_response(body, headers=headers)

    async def integrity_error(request: Request, exc: Exception) -> JSONResponse:
        # NOTE: a constraint the service did not pre-check (typically a concurrent duplicate)
        # is still a conflict with the current state, not a server fault.
        logger.warning("integrity error: %s", exc)
        return problem_response(
            IntegrityConflict("The change conflicts with a concurrent change; read again and retry").problem(request.url.path)
        )

    async def stale_data(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(
            PreconditionFailed("The resource was changed by someone else meanwhile").problem(request.url.path)
        )

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # NOTE: Starlette's server-error middleware calls this, outside the request-id
        # middleware; an error raised inside it was logged there already, with the request id.
        log_unhandled(exc, method=request.method, path=request.url.path)
        return internal_error_response(request.url.path)

    app.add_exception_handler(AppError, app_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(StaleDataError, stale_data)
    app.add_exception_handler(Exception, unexpected)
