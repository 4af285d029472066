"""Request bodies every haicap process refuses: too large, or of ambiguous length.

:class:`BodyLimitMiddleware` is plain ASGI, so it applies to every route of a service (and to
the gateway's own), whatever the route reads:

- a declared ``Content-Length`` over the route's limit is refused (413 ``payload_too_large``)
  before a byte of the body is read;
- a streamed body (chunked) is counted as it arrives and cut off at the limit, answered 413;
- a request with both ``Content-Length`` and ``Transfer-Encoding`` is refused (400
  ``ambiguous_body_length``): RFC 9112 §6.1 says such a message "ought to be handled as an
  error" (it is how requests are smuggled), and a proxy that passed both on would leave the
  next hop waiting for bytes that never come.

The limit of a route comes from a function of the method and the path; the default
(:func:`default_body_limit`) gives import and bulk paths the larger limit, and a service may
give single paths an allowance of their own (``app.state.body_allowances``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import AppError, problem_response
from .settings import ProcessSettings

# NOTE: set in the ASGI scope when a streamed body went over the limit, so an inner layer (the
# gateway's forwarder) can tell a cut-off upload from an upstream failure.
BODY_TOO_LARGE = "haicap.body_too_large"
BULK_MARKERS = ("/imports", "/import", "/exports", "/export", "/bulk")

BodyLimit = Callable[[str, str], int]
"""The largest body ``(method, path)`` may carry, in bytes."""


class PayloadTooLarge(AppError):
    status, code, title = 413, "payload_too_large", "The request body is too large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body exceeds {limit} bytes on this route", limit=limit)


class AmbiguousBodyLength(AppError):
    status, code, title = 400, "ambiguous_body_length", "The request has both Content-Length and Transfer-Encoding"

    def __init__(self) -> None:
        super().__init__("Send either Content-Length or Transfer-Encoding, not both (RFC 9112 section 6.1)")


def is_bulk_path(path: str) -> bool:
    """Whether ``path`` is an import, export or bulk route (the larger body limit, the longer time)."""
    return any(marker in path for marker in BULK_MARKERS)


def default_body_limit(settings: ProcessSettings, allowances: Mapping[str, int] | None = None) -> BodyLimit:
    """``settings.max_body_bytes``; ``max_import_body_bytes`` on bulk paths; an allowance where one names the path.

    ``allowances`` maps a path prefix (``/people/imports``) to its own limit; it is read on
    every request, so a service may fill it in its lifespan.
    """

    def limit(_method: str, path: str) -> int:
        if allowances:
            for prefix, allowed in allowances.items():
                if path.startswith(prefix):
                    return allowed
        return settings.max_import_body_bytes if is_bulk_path(path) else settings.max_body_bytes

    return limit


class BodyLimitMiddleware:
    """Refuse bodies over the route's limit (413) and bodies of ambiguous length (400), as problems."""

    def __init__(self, app: ASGIApp, limit: BodyLimit) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared: bytes | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                chunked = True
        if declared is None and not chunked:
            # NOTE: neither Content-Length nor Transfer-Encoding: no body to count (HTTP/1.1).
            await self.app(scope, receive, send)
            return
        if declared is not None and chunked:
            await problem_response(AmbiguousBodyLength().problem(scope["path"]))(scope, receive, send)
            return
        limit = self.limit(scope["method"], scope["path"])
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            # NOTE: refused before a byte of the body is read or anything is sent on.
            await problem_response(PayloadTooLarge(limit).problem(scope["path"]))(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    scope[BODY_TOO_LARGE] = True
                    raise PayloadTooLarge(limit)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if scope.get(BODY_TOO_LARGE) and not started:
                # NOTE: whatever the app made of the cut-off body (FastAPI turns an error while
                # reading it into a 400), the caller is told the truth: it was too large.
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded_send)
        except Exception:
            # NOTE: an app cut off mid-body may fail in its own way (a client library's error);
            # the answer is still 413, unless its own answer had already begun.
            if started or not scope.get(BODY_TOO_LARGE):
                raise
        if scope.get(BODY_TOO_LARGE) and not started:
            await problem_response(PayloadTooLarge(limit).problem(scope["path"]))(scope, receive, send)
