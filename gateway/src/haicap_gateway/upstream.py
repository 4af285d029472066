"""How the gateway reaches the services behind it.

Routes depend on the small :class:`Upstream` protocol; :class:`GatewayUpstream` holds every
rule of the data plane once (replicas, retries, deadlines, failure mapping, streaming) and
talks to the network through an :class:`HttpClient`, of which there are two: aiohttp (the
default, chosen by measurement: see gateway/README.md) and httpx (``clients.py``).

Failures become problems here, in one place: no replica reachable -> 503
``upstream_unavailable``, no answer within the route's time -> 504 ``upstream_timeout``,
both naming the service.

Retries. A request goes to the next replica in turn. When the connection cannot be made,
nothing of the request was sent, so it goes to another replica whatever its method (even a
POST cannot have been acted on); the replica is set aside for a while. When the connection
breaks after the request was sent, only a safe method (GET, HEAD, OPTIONS) is tried again
elsewhere; a POST or PATCH may have been acted on, so the caller gets 503 and decides. A
timeout is never retried: the route's time is the whole budget, and it is spent.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from haicap_shared.errors import UpstreamTimeout, UpstreamUnavailable
from haicap_shared.logs import request_id_var

from .headers import downstream_response_headers, upstream_request_headers
from .limits import BODY_TOO_LARGE, PayloadTooLarge
from .replicas import Replica, ReplicaSet
from .routes import SAFE_METHODS, route_limits
from .settings import GatewaySettings, UpstreamService

logger = logging.getLogger("haicap.gateway")

_MAX_JSON_BYTES = 20 * 1024 * 1024


class ConnectFailed(Exception):
    """No connection could be made: nothing of the request was sent."""


class Disconnected(Exception):
    """The connection broke after the request was (perhaps partly) sent."""


class TimedOut(Exception):
    """The upstream did not answer in time."""


@dataclass(slots=True)
class Answer:
    """An upstream's response head, with its body still to be read (raw: never decoded)."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: AsyncIterator[bytes]
    close: Callable[[], Awaitable[None]]


class HttpClient(Protocol):
    """One HTTP library, reduced to what the gateway needs; raises only the three errors above."""

    async def send(
        self,
        method: str,
        url: str,
        query: bytes,
        headers: list[tuple[str, str]],
        body: AsyncIterable[bytes] | None,
        *,
        read_timeout: float,
    ) -> Answer:
        """Send a request (``url`` already percent-encoded) and return once the response head arrived."""
        ...

    async def aclose(self) -> None:
        """Release the connection pool."""
        ...


class Readiness(StrEnum):
    READY = "ready"
    NOT_READY = "not_ready"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"


@dataclass(frozen=True, slots=True)
class ReplicaReadiness:
    url: str
    state: Readiness
    set_aside: bool


class Upstream(Protocol):
    """The gateway's way to the services, whatever library implements it."""

    async def forward(self, service: UpstreamService, request: Request, path: str) -> Response:
        """Send ``request`` to ``service`` at ``path`` (raw, with its leading ``/``) and stream the answer back."""
        ...

    async def readiness(self, service: UpstreamService) -> list[ReplicaReadiness]:
        """Ask each replica of ``service`` for its ``/readyz``."""
        ...

    async def get_json(self, service: UpstreamService, path: str) -> Any:
        """GET ``path`` from ``service`` (any replica) and parse the JSON body."""
        ...

    async def aclose(self) -> None:
        """Release the connection pool."""
        ...


UpstreamFactory = Callable[[GatewaySettings], Upstream]


class _ReplayGuard:
    """The incoming body, passed on as a stream; remembers whether any of it was consumed.

    NOTE: the body can be read once; a new attempt on another replica is only possible while
    no byte of it has been taken, which is the case when the connection could not be made.
    """

    def __init__(self, request: Request) -> None:
        self._source = request.stream()
        self.consumed = False

    async def stream(self) -> AsyncIterator[bytes]:
        self.consumed = True
        async for chunk in self._source:
            if chunk:
                yield chunk


class GatewayUpstream:
    """:class:`Upstream` over any :class:`HttpClient`: replicas, retries, deadlines, streaming."""

    def __init__(self, client: HttpClient, settings: GatewaySettings) -> None:
        self.client = client
        self.settings = settings
        self.replica_sets = {s.prefix: ReplicaSet(s, settings.replica_set_aside_seconds) for s in settings.upstreams()}

    def replicas_of(self, service: UpstreamService) -> ReplicaSet:
        known = self.replica_sets.get(service.prefix)
        if known is None or known.service != service:
            known = self.replica_sets[service.prefix] = ReplicaSet(service, self.settings.replica_set_aside_seconds)
        return known

    async def forward(self, service: UpstreamService, request: Request, path: str) -> Response:
        """Send ``request`` to ``service`` at ``path`` (raw, with its leading ``/``) and stream the answer back."""
        limits = route_limits(request.method, request.url.path, self.settings)
        # NOTE: a request without Content-Length or Transfer-Encoding has no body; sending a
        # stream anyway would make the client send an empty chunked body with every GET.
        has_body = "content-length" in request.headers or "transfer-encoding" in request.headers
        body = _ReplayGuard(request) if has_body else None
        try:
            answer = await self._send(
                service,
                request.method,
                path,
                request.scope.get("query_string", b""),
                upstream_request_headers(request),
                body,
                deadline_seconds=limits.timeout_seconds,
            )
        except (UpstreamUnavailable, UpstreamTimeout) as exc:
            if request.scope.get(BODY_TOO_LARGE):
                raise PayloadTooLarge(limits.max_body_bytes) from exc
            raise
        response = StreamingResponse(_relay(answer, service), status_code=answer.status, background=BackgroundTask(answer.close))
        response.raw_headers = downstream_response_headers(answer.headers)
        return response

    async def _send(
        self,
        service: UpstreamService,
        method: str,
        path: str,
        query: bytes,
        headers: list[tuple[str, str]],
        body: _ReplayGuard | None,
        *,
        deadline_seconds: float,
    ) -> Answer:
        replicas = self.replicas_of(service)
        attempts = replicas.order()
        if len(attempts) == 1 and method in SAFE_METHODS:
            # NOTE: with one replica, a safe request whose connection broke (typically a
            # pooled connection the server closed meanwhile) deserves one more try.
            attempts = attempts * 2
        try:
            async with asyncio.timeout(deadline_seconds):
                for number, replica in enumerate(attempts, start=1):
                    last = number == len(attempts)
                    try:
                        stream = body.stream() if body else None
                        answer = await self.client.send(
                            method, replica.url + path, query, headers, stream, read_timeout=deadline_seconds
                        )
                    except ConnectFailed as exc:
                        self._log("upstream refused", service, replica, method, exc)
                        replicas.set_aside(replica)
                        if last or (body is not None and body.consumed):
                            raise UpstreamUnavailable(service.name) from exc
                        continue
                    except Disconnected as exc:
                        self._log("upstream disconnected", service, replica, method, exc)
                        if last or method not in SAFE_METHODS or (body is not None and body.consumed):
                            raise UpstreamUnavailable(service.name) from exc
                        continue
                    replicas.restore(replica)
                    return answer
        except (TimedOut, TimeoutError) as exc:
            logger.warning("upstream timeout", extra={"upstream": service.name, "method": method, "timeout_s": deadline_seconds})
            raise UpstreamTimeout(service.name) from exc
        raise UpstreamUnavailable(service.name)  # pragma: no cover - the loop always returns or raises

    @staticmethod
    def _log(what: str, service: UpstreamService, replica: Replica, method: str, exc: BaseException) -> None:
        logger.warning(what, extra={"upstream": service.name, "replica": replica.url, "method": method, "error": repr(exc)})

    async def readiness(self, service: UpstreamService) -> list[ReplicaReadiness]:
        """Ask each replica of ``service`` for its ``/readyz``."""
        replicas = self.replicas_of(service)
        states = await asyncio.gather(*(self._replica_readiness(replicas, replica) for replica in replicas.replicas))
        return [
            ReplicaReadiness(replica.url, state, replicas.is_set_aside(replica))
            for replica, state in zip(replicas.replicas, states, strict=True)
        ]

    async def _replica_readiness(self, replicas: ReplicaSet, replica: Replica) -> Readiness:
        headers = [("X-Request-ID", request_id)] if (request_id := request_id_var.get()) else []
        timeout = self.settings.readiness_timeout_seconds
        try:
            async with asyncio.timeout(timeout):
                answer = await self.client.send("GET", f"{replica.url}/readyz", b"", headers, None, read_timeout=timeout)
                try:
                    async for _ in answer.body:
                        pass
                finally:
                    await answer.close()
        except (TimedOut, TimeoutError):
            return Readiness.TIMEOUT
        except ConnectFailed:
            replicas.set_aside(replica)
            return Readiness.UNREACHABLE
        except Disconnected:
            return Readiness.UNREACHABLE
        if answer.status != 200:
            return Readiness.NOT_READY
        replicas.restore(replica)
        return Readiness.READY

    async def get_json(self, service: UpstreamService, path: str) -> Any:
        """GET ``path`` from ``service`` (any replica) and parse the JSON body."""
        headers = [("Accept", "application/json")]
        if request_id := request_id_var.get():
            headers.append(("X-Request-ID", request_id))
        timeout = self.settings.read_timeout_seconds
        answer = await self._send(service, "GET", path, b"", headers, None, deadline_seconds=timeout)
        try:
            async with asyncio.timeout(timeout):
                chunks: list[bytes] = []
                size = 0
                async for chunk in answer.body:
                    size += len(chunk)
                    if size > _MAX_JSON_BYTES:
                        raise UpstreamUnavailable(service.name, f"{path} of {service.name} is too large")
                    chunks.append(chunk)
        except (TimedOut, TimeoutError) as exc:
            raise UpstreamTimeout(service.name) from exc
        except (ConnectFailed, Disconnected) as exc:
            raise UpstreamUnavailable(service.name) from exc
        finally:
            await answer.close()
        if answer.status != 200:
            raise UpstreamUnavailable(service.name, f"{path} of {service.name} answered {answer.status}")
        return json.loads(b"".join(chunks))

    async def aclose(self) -> None:
        """Release the connection pool."""
        await self.client.aclose()


async def _relay(answer: Answer, service: UpstreamService) -> AsyncIterator[bytes]:
    # NOTE: raw, so a compressed body passes through as it came, matching its Content-Length
    # and Content-Encoding. The finally closes the upstream response when the client goes
    # away mid-body, where Starlette skips the background task. A failure mid-body cannot
    # change the status any more: the connection to the caller is cut, so it sees a short body.
    try:
        async for chunk in answer.body:
            yield chunk
    except (TimedOut, Disconnected, ConnectFailed) as exc:
        logger.warning("upstream body cut", extra={"upstream": service.name, "error": repr(exc)})
        raise
    finally:
        await answer.close()


def upstream_from_settings(settings: GatewaySettings) -> Upstream:
    """The process's upstream, on the client ``settings.upstream_client`` names."""
    from .clients import AiohttpClient, HttpxClient

    client: HttpClient = (
        AiohttpClient.from_settings(settings) if settings.upstream_client == "aiohttp" else HttpxClient.from_settings(settings)
    )
    return GatewayUpstream(client, settings)
