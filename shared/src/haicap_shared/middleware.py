"""Request id propagation, one access-log line per request, and the one log line of an unhandled error.

The access line of a call made with a service account's token names its consuming system
(``consumer``), and a caller's ``X-Road-Client`` header, never trusted, appears as
``claimed_client`` when it says something else (:mod:`haicap_shared.consumers`).

An exception no handler took is logged here, once, while the request id is still known:
Starlette's server-error middleware and uvicorn sit outside this middleware (the id is
gone there) and each used to log the same error again. This middleware answers the 500
problem itself when no response has started; when one has, the error goes on up, marked as
logged, and :mod:`haicap_shared.logs` drops the copies the server and Starlette would log.
"""

from __future__ import annotations

import logging
import re
import secrets
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .consumers import claimed_client, noted_consumer, same_client
from .errors import internal_error_response, log_unhandled
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
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log_unhandled(exc, method=scope["method"], path=scope["path"])
            if response_started:
                # NOTE: too late for a problem: the server ends the connection, so the
                # client sees a cut-off answer (the error is marked as logged already).
                raise
            await internal_error_response(scope["path"])(scope, receive, send_with_id)
        finally:
            # NOTE: the record (and its extras) only when someone will see it: this runs for
            # every request, and a disabled level costs one cached check.
            if access_log.isEnabledFor(logging.INFO):
                access_log.info("request", extra=_access_fields(scope, status, started))
            request_id_var.reset(token)


def _access_fields(scope: Scope, status: int, started: float) -> dict[str, object]:
    fields: dict[str, object] = {
        "method": scope["method"],
        "path": scope["path"],
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
    }
    consumer = noted_consumer(scope)
    if consumer is not None:
        fields["consumer"] = consumer
    claimed = claimed_client(scope["headers"])
    if claimed is not None and not same_client(claimed, consumer):
        fields["claimed_client"] = claimed
    return fields
