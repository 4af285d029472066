"""How the gateway reaches the services behind it.

The forwarding layer (``forwarding.py``) and the routes depend on the small :class:`Upstream`
protocol; :class:`GatewayUpstream` holds every rule of the data plane once (replicas, retries,
deadlines, failure mapping, streaming) and talks to the network through an
:class:`HttpClient`, of which there are two: aiohttp (the default, chosen by measurement: see
gateway/README.md) and httpx (``clients.py``).

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

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from haicap_shared.errors import UpstreamTimeout, UpstreamUnavailable
from haicap_shared.logs import request_id_var

from .deadlines import Deadlines
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
    """An upstream's response head, with its body still to be read (raw: never decoded).

    ``content`` is the whole body when the client already read it (a small body with a
    Content-Length, read with the head); ``body`` then yields just that.
    """

    status: int
    headers: list[tuple[bytes, bytes]]
    body: AsyncIterator[bytes]
    close: Callable[[], Awaitable[None]]
    content: bytes | None = None
    closed_by_caller: bool = False


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

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self.consumed = False
        self.finished = False

    async def stream(self) -> AsyncIterator[bytes]:
        self.consumed = True
        while not self.finished:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnect()
            self.finished = not message.get("more_body", False)
            if chunk := message.get("body", b""):
                yield chunk


def _has_body(raw_headers: list[tuple[bytes, bytes]]) -> bool:
    """A request with neither Content-Length nor Transfer-Encoding has no body (HTTP/1.1)."""
    return any(name in _BODY_HEADERS for name, _ in raw_headers)


_BODY_HEADERS = frozenset({b"content-length", b"transfer-encoding"})


class GatewayUpstream:
    """:class:`Upstream` over any :class:`HttpClient`: replicas, retries, deadlines, streaming."""

    def __init__(self, client: HttpClient, settings: GatewaySettings) -> None:
        self.client = client
        self.settings = settings
        self.replica_sets = {s.prefix: ReplicaSet(s, settings.replica_set_aside_seconds) for s in settings.upstreams()}
        self.deadlines = Deadlines(settings, lambda service: self.get_json(service, "/openapi.json"))

    def replicas_of(self, service: UpstreamService) -> ReplicaSet:
        known = self.replica_sets.get(service.prefix)
        if known is None or known.service != service:
            known = self.replica_sets[service.prefix] = ReplicaSet(service, self.settings.replica_set_aside_seconds)
        return known

    async def forward(self, service: UpstreamService, request: Request, path: str) -> Response:
        """Send ``request`` to ``service`` at ``path`` (raw, with its leading ``/``) and stream the answer back."""
        scope = request.scope
        method: str = scope["method"]
        # NOTE: a request without Content-Length or Transfer-Encoding has no body; sending a
        # stream anyway would make the client send an empty chunked body with every GET.
        body = _ReplayGuard(request.receive) if _has_body(scope["headers"]) else None
        try:
            answer = await self._send(
                service,
                method,
                path,
                scope.get("query_string", b""),
                upstream_request_headers(scope),
                body,
                deadline_seconds=await self.deadlines.seconds(service, method, path),
            )
        except (UpstreamUnavailable, UpstreamTimeout) as exc:
            if scope.get(BODY_TOO_LARGE):
                # NOTE: the route's limit is looked up only here, for the problem's detail: the
                # body-limit middleware already applied it, and this runs for every request.
                raise PayloadTooLarge(route_limits(method, scope["path"], self.settings).max_body_bytes) from exc
            raise
        return RelayResponse(answer, service, request_finished=body is None or body.finished)

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
        """Stop reading deadlines and release the connection pool."""
        await self.deadlines.aclose()
        await self.client.aclose()


class RelayResponse(Response):
    """An upstream's answer as an ASGI response: the head, then the body as it arrives.

    NOTE: not Starlette's ``StreamingResponse``, which starts a task group (a second task
    listening for the caller's disconnect) for every response, a large share of a small
    request's cost. Here a body the client already read whole (small, with a Content-Length)
    goes out as one message; only a body that really streams gets a disconnect watcher, so a
    caller that goes away mid-body stops the upstream read at once. The body is raw, so a
    compressed one passes through as it came, matching its Content-Length and Content-Encoding.
    """

    def __init__(self, answer: Answer, service: UpstreamService, *, request_finished: bool = True) -> None:
        # NOTE: Response.__init__ is not called: it would render a body this class never has.
        self.status_code = answer.status
        self.raw_headers = downstream_response_headers(answer.headers)
        self.background = None
        self.answer = answer
        self.service = service
        self.request_finished = request_finished

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = self.answer
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            if answer.content is not None:
                await send({"type": "http.response.body", "body": answer.content, "more_body": False})
                return
            if not self.request_finished:
                # NOTE: the request body is still being read (by the client's sending): the
                # caller's messages are not this task's to take.
                await self._relay(send, answer)
                return
            watcher = asyncio.ensure_future(_watch_disconnect(receive, answer))
            try:
                await self._relay(send, answer)
            finally:
                watcher.cancel()
        finally:
            await answer.close()

    async def _relay(self, send: Send, answer: Answer) -> None:
        # NOTE: a failure mid-body cannot change the status any more: the connection to the
        # caller is cut (the exception reaches the server), so it sees a short body.
        try:
            async for chunk in answer.body:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except (TimedOut, Disconnected, ConnectFailed) as exc:
            if answer.closed_by_caller:
                return
            logger.warning("upstream body cut", extra={"upstream": self.service.name, "error": repr(exc)})
            raise
        if not answer.closed_by_caller:
            await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _watch_disconnect(receive: Receive, answer: Answer) -> None:
    """When the caller goes away mid-body, close the upstream answer: the relay stops reading."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            answer.closed_by_caller = True
            await answer.close()
            return


def upstream_from_settings(settings: GatewaySettings) -> Upstream:
    """The process's upstream, on the client ``settings.upstream_client`` names."""
    from .clients import AiohttpClient, HttpxClient

    client: HttpClient = (
        AiohttpClient.from_settings(settings) if settings.upstream_client == "aiohttp" else HttpxClient.from_settings(settings)
    )
    return GatewayUpstream(client, settings)
