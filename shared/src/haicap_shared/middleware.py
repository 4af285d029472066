"""Request id propagation and one access-log line per request, as plain ASGI middleware."""

from __future__ import annotations

import logging
import re
import secrets
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .logs import request_id_var

REQUEST_ID_HEADER = "x-request-id"
_HEADER_RAW = REQUEST_ID_HEADER.encode()
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_log = logging.getLogger("haicap.access")


class RequestIdMiddleware:
    """Accept the caller's ``X-Request-ID`` (or make one), expose it to logs, echo it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope["headers"]:
            if name == _HEADER_RAW:
                incoming = value.decode("latin-1")
                break
        request_id = incoming if _ACCEPTABLE_ID.match(incoming) else secrets.token_hex(16)
        id_header = (_HEADER_RAW, request_id.encode())
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            # NOTE: the record (and its extras) only when someone will see it: this runs for
            # every request, and a disabled level costs one cached check.
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            request_id_var.reset(token)
