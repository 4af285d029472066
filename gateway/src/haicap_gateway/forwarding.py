"""The forwarding hot path: ``/api/v1/<service>/...`` served by a plain ASGI layer.

Every forwarded request used to go through FastAPI's router (a regular expression per route,
about thirty of them) and its dependency solving (the upstream, the path parameter, the
bearer guard), then a ``StreamingResponse`` with its task group: together most of what the
gateway added to a request. This layer sits innermost among the middleware (inside CORS,
gzip, the request id and the body limit, which all still apply) and ahead of the router:
it recognises a service prefix with one dictionary lookup, checks the bearer token, and
hands the request to the :class:`~haicap_gateway.upstream.Upstream`. Anything else (the
gateway's own routes, unknown prefixes) goes on to FastAPI as before.

Errors are rendered here as FastAPI's handlers would: an :class:`AppError` (503, 504, 413,
401) becomes its problem; anything unexpected propagates to the server-error handler.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from haicap_shared.consumers import note_consumer
from haicap_shared.errors import PROBLEM_TYPE_BASE, AppError, problem_response

from .identity.guard import check_bearer_token
from .settings import UpstreamService

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_API = "/api/v1/"
_ALLOW = ", ".join(sorted(METHODS))


def upstream_path(scope: Scope, service: UpstreamService, rest: str) -> str:
    """The path on the service, with its leading ``/``: the caller's raw path after the prefix.

    NOTE: the raw path, not the decoded one, so percent-escapes such as %2F reach the service
    exactly as the caller wrote them.
    """
    raw: bytes = scope.get("raw_path") or b""
    prefix = service.public_path.encode() + b"/"
    if raw.startswith(prefix):
        return raw[len(prefix) - 1 :].decode("latin-1")
    return "/" + quote(rest)


class ForwardingMiddleware:
    """Forward ``/api/v1/<prefix>/{path}`` to the service of that prefix; pass anything else on."""

    def __init__(self, app: ASGIApp, services: tuple[UpstreamService, ...]) -> None:
        self.app = app
        self.services = {service.prefix: service for service in services}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        service = None
        if scope["type"] == "http" and path.startswith(_API):
            prefix, slash, rest = path[len(_API) :].partition("/")
            service = self.services.get(prefix) if slash else None
        if service is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] not in METHODS:
            body = {
                "type": f"{PROBLEM_TYPE_BASE}method_not_allowed",
                "title": "Method Not Allowed",
                "status": 405,
                "code": "method_not_allowed",
            }
            await problem_response({**body, "instance": path}, headers={"Allow": _ALLOW})(scope, receive, send)
            return
        state = scope["app"].state
        try:
            claims = await check_bearer_token(scope["headers"], state.tokens)
            # NOTE: the gateway's own access line names a service account's consuming system too.
            note_consumer(scope, claims.system_code if claims is not None else None)
            response = await state.upstream.forward(service, Request(scope, receive), upstream_path(scope, service, rest))
        except AppError as exc:
            response = problem_response(exc.problem(path), headers=getattr(exc, "headers", None))
        await response(scope, receive, send)
