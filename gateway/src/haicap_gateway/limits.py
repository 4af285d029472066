"""The request body limit: a declared Content-Length is refused up front, a streamed body cut off."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from haicap_shared.errors import AppError, problem_response

from .routes import route_limits
from .settings import GatewaySettings

# NOTE: set in the ASGI scope when a streamed body went over the limit, so the forwarder can
# tell a cut-off upload from an upstream failure, whatever exception its HTTP client raised.
BODY_TOO_LARGE = "haicap.body_too_large"


class PayloadTooLarge(AppError):
    status, code, title = 413, "payload_too_large", "The request body is too large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body exceeds {limit} bytes on this route", limit=limit)


class BodyLimitMiddleware:
    """Refuse bodies larger than the route class allows (``routes.route_limits``), as 413 problems."""

    def __init__(self, app: ASGIApp, settings: GatewaySettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared: bytes | None = None
        has_body = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared, has_body = value, True
            elif name == b"transfer-encoding":
                has_body = True
        if not has_body:
            # NOTE: neither Content-Length nor Transfer-Encoding: no body to count (HTTP/1.1).
            await self.app(scope, receive, send)
            return
        limit = route_limits(scope["method"], scope["path"], self.settings).max_body_bytes
        if declared is not None and declared.isdigit() and int(declared) > limit:
            # NOTE: refused before a byte of the body is read or anything is sent upstream.
            await problem_response(PayloadTooLarge(limit).problem(scope["path"]))(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    scope[BODY_TOO_LARGE] = True
                    raise PayloadTooLarge(limit)
            return message

        await self.app(scope, counted, send)
