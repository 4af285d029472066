"""How the gateway reaches the services behind it.

Routes depend on the small :class:`Upstream` protocol, not on an HTTP library: the gateway's
hot path will be measured and the httpx implementation may give way to aiohttp
(PERFORMANCE.md: httpx's pool contends under concurrency). Failures become problems here,
in one place: no connection -> 503 ``upstream_unavailable``, no answer in time -> 504
``upstream_timeout``, both naming the service.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from enum import StrEnum
from typing import Protocol

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from haicap_shared.errors import UpstreamTimeout, UpstreamUnavailable
from haicap_shared.logs import request_id_var

from .headers import downstream_response_headers, upstream_request_headers
from .settings import GatewaySettings, UpstreamService

logger = logging.getLogger("haicap.gateway")

# NOTE: httpx adds these to every request unless told otherwise; a forwarded request carries
# only what the caller sent (an Accept-Encoding the caller never offered would get it a body
# it cannot decode, since the gateway passes bodies through undecoded).
_CLIENT_DEFAULT_HEADERS = ("accept", "accept-encoding", "user-agent")


class Readiness(StrEnum):
    READY = "ready"
    NOT_READY = "not_ready"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"


class Upstream(Protocol):
    """The gateway's HTTP client, whatever library implements it."""

    async def forward(self, service: UpstreamService, request: Request, path: str) -> Response:
        """Send ``request`` to ``service`` at ``path`` (raw, with its leading ``/``) and stream the answer back."""
        ...

    async def readiness(self, service: UpstreamService) -> Readiness:
        """Ask ``service``'s ``/readyz``."""
        ...

    async def aclose(self) -> None:
        """Release the connection pool."""
        ...


UpstreamFactory = Callable[[GatewaySettings], Upstream]


class HttpxUpstream:
    """:class:`Upstream` on one pooled ``httpx.AsyncClient``."""

    def __init__(self, client: httpx.AsyncClient, *, readiness_timeout_seconds: float) -> None:
        self.client = client
        self.readiness_timeout_seconds = readiness_timeout_seconds

    @classmethod
    def from_settings(cls, settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None = None) -> HttpxUpstream:
        """The process's client (``transport`` replaces the network in tests)."""
        timeout = settings.upstream_timeout_seconds
        # NOTE: keep-alive expiry stays below the services' uvicorn --timeout-keep-alive (75 s),
        # or the pool reuses a socket the server is closing. trust_env=False: an HTTP(S)_PROXY
        # in the environment must not divert loopback traffic between the gateway and services.
        client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50, keepalive_expiry=30),
            follow_redirects=False,
            trust_env=False,
        )
        return cls(client, readiness_timeout_seconds=settings.readiness_timeout_seconds)

    async def forward(self, service: UpstreamService, request: Request, path: str) -> Response:
        """Send ``request`` to ``service`` at ``path`` (raw, with its leading ``/``) and stream the answer back."""
        url = httpx.URL(service.base_url + path)
        if query := request.scope.get("query_string", b""):
            url = url.copy_with(query=query)
        # NOTE: a request without Content-Length or Transfer-Encoding has no body; giving httpx
        # a stream anyway would make it send an empty chunked body with every GET.
        has_body = "content-length" in request.headers or "transfer-encoding" in request.headers
        outbound = self.client.build_request(
            request.method, url, headers=upstream_request_headers(request), content=request.stream() if has_body else None
        )
        for name in _CLIENT_DEFAULT_HEADERS:
            if name not in request.headers:
                outbound.headers.pop(name, None)
        try:
            answer = await self.client.send(outbound, stream=True)
        except httpx.TimeoutException as exc:
            logger.warning("upstream timeout", extra={"upstream": service.name, "url": str(url)})
            raise UpstreamTimeout(service.name) from exc
        except httpx.TransportError as exc:
            logger.warning("upstream unreachable", extra={"upstream": service.name, "url": str(url), "error": repr(exc)})
            raise UpstreamUnavailable(service.name) from exc
        response = StreamingResponse(_raw_body(answer), status_code=answer.status_code, background=BackgroundTask(answer.aclose))
        response.raw_headers = downstream_response_headers(answer.headers.raw)
        return response

    async def readiness(self, service: UpstreamService) -> Readiness:
        """Ask ``service``'s ``/readyz``."""
        headers = {"X-Request-ID": request_id} if (request_id := request_id_var.get()) else {}
        try:
            answer = await self.client.get(f"{service.base_url}/readyz", headers=headers, timeout=self.readiness_timeout_seconds)
        except httpx.TimeoutException:
            return Readiness.TIMEOUT
        except httpx.TransportError:
            return Readiness.UNREACHABLE
        return Readiness.READY if answer.status_code == 200 else Readiness.NOT_READY

    async def aclose(self) -> None:
        """Release the connection pool."""
        await self.client.aclose()


async def _raw_body(answer: httpx.Response) -> AsyncIterator[bytes]:
    # NOTE: raw, so a compressed body passes through as it came, matching its Content-Length
    # and Content-Encoding. The finally closes the upstream response when the client goes
    # away mid-body, where Starlette skips the background task.
    try:
        async for chunk in answer.aiter_raw():
            yield chunk
    finally:
        await answer.aclose()
