"""The two :class:`~haicap_gateway.upstream.HttpClient` implementations: aiohttp and httpx.

Each maps its library's errors onto the three the forwarder knows (``ConnectFailed``:
nothing was sent; ``Disconnected``; ``TimedOut``) and hands back the body undecoded. Both:
one pool per process, built in the lifespan; keep-alive below the services' uvicorn
``--timeout-keep-alive`` (75 s), or the pool reuses a socket the server is closing;
``trust_env=False``, so an HTTP(S)_PROXY in the environment never diverts loopback traffic;
no cookie jar, so a Set-Cookie from a service never travels with another caller's request.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable

import aiohttp
import httpx
from yarl import URL

from haicap_shared.http_transport import aiohttp_header_value, plain_aiohttp_session

from .settings import GatewaySettings
from .upstream import Answer, ConnectFailed, Disconnected, TimedOut

KEEPALIVE_SECONDS = 30.0
MAX_CONNECTIONS = 256
# NOTE: a body up to this size with a Content-Length is read together with the head and sent
# to the caller as one message (most API answers); a larger or unsized one is streamed.
SMALL_BODY_BYTES = 64 * 1024
# NOTE: the libraries add these to every request unless told otherwise; a forwarded request
# carries only what the caller sent (an Accept-Encoding the caller never offered would get it
# a body it cannot decode, since the gateway passes bodies through undecoded).
_CLIENT_DEFAULT_HEADERS = ("accept", "accept-encoding", "user-agent")


class AiohttpClient:
    """:class:`HttpClient` on one ``aiohttp.ClientSession`` (the gateway's default: faster under load)."""

    def __init__(self, session: aiohttp.ClientSession, *, connect_timeout: float) -> None:
        self.session = session
        self.connect_timeout = connect_timeout
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout)

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> AiohttpClient:
        """The process's session; call it inside the running event loop (the lifespan)."""
        session = plain_aiohttp_session(
            limit=MAX_CONNECTIONS,
            keepalive_seconds=KEEPALIVE_SECONDS,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=settings.connect_timeout_seconds),
        )
        return cls(session, connect_timeout=settings.connect_timeout_seconds)

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
        # NOTE: encoded=True, so escapes such as %2F reach the service exactly as the caller wrote them.
        target = URL(url + "?" + query.decode("latin-1") if query else url, encoded=True)
        if not all(value.isascii() for _, value in headers):
            headers = [(name, aiohttp_header_value(value)) for name, value in headers]
        try:
            # NOTE: no sock_read timeout: aiohttp would re-arm a timer on every packet. The head
            # (and a small body) are within the caller's deadline (GatewayUpstream._send); each
            # read of a streamed body gets ``read_timeout`` in _aiohttp_body.
            response = await self.session.request(
                method, target, headers=headers, data=body, allow_redirects=False, timeout=self._timeout
            )
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise ConnectFailed(str(exc)) from exc
        except TimeoutError as exc:
            raise TimedOut(str(exc)) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise Disconnected(repr(exc)) from exc
        length = response.content_length
        if method == "HEAD" or (length is not None and length <= SMALL_BODY_BYTES):
            try:
                content = await response.read()
            except TimeoutError as exc:
                response.close()
                raise TimedOut(str(exc)) from exc
            except (aiohttp.ClientError, OSError) as exc:
                response.close()
                raise Disconnected(repr(exc)) from exc
            response.release()
            return Answer(response.status, list(response.raw_headers), _whole(content), _nothing_to_close, content=content)
        return Answer(
            response.status, list(response.raw_headers), _aiohttp_body(response, read_timeout), _aiohttp_closer(response)
        )

    async def aclose(self) -> None:
        """Release the connection pool."""
        await self.session.close()


async def _whole(content: bytes) -> AsyncIterator[bytes]:
    if content:
        yield content


async def _nothing_to_close() -> None:
    return None


async def _aiohttp_body(response: aiohttp.ClientResponse, read_timeout: float) -> AsyncIterator[bytes]:
    try:
        # NOTE: whatever has arrived, as it arrives; aiohttp's flow control bounds how much
        # that can be (the socket is paused past its read buffer), so memory stays bounded.
        # Each read may wait the route's time.
        while True:
            async with asyncio.timeout(read_timeout):
                chunk = await response.content.readany()
            if not chunk:
                return
            yield chunk
    except TimeoutError as exc:
        raise TimedOut(str(exc)) from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise Disconnected(repr(exc)) from exc


def _aiohttp_closer(response: aiohttp.ClientResponse) -> Callable[[], Awaitable[None]]:
    async def close() -> None:
        # NOTE: release() gives a fully read connection back to the pool; close() drops one
        # whose body was not read to the end, which could not be reused anyway.
        if response.content.at_eof():
            response.release()
        else:
            response.close()

    return close


class HttpxClient:
    """:class:`HttpClient` on one ``httpx.AsyncClient`` (simple; its pool contends under concurrency)."""

    def __init__(self, client: httpx.AsyncClient, *, connect_timeout: float) -> None:
        self.client = client
        self.connect_timeout = connect_timeout

    @classmethod
    def from_settings(cls, settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None = None) -> HttpxClient:
        """The process's client (``transport`` replaces the network in tests)."""
        no_cookies = http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(settings.read_timeout_seconds, connect=settings.connect_timeout_seconds),
            limits=httpx.Limits(
                max_connections=MAX_CONNECTIONS, max_keepalive_connections=64, keepalive_expiry=KEEPALIVE_SECONDS
            ),
            follow_redirects=False,
            trust_env=False,
            cookies=no_cookies,
        )
        return cls(client, connect_timeout=settings.connect_timeout_seconds)

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
        target = httpx.URL(url)
        if query:
            target = target.copy_with(query=query)
        # NOTE: latin-1, as the ASGI server decoded them: a value with bytes outside ASCII (what a client
        # may send) goes on byte for byte instead of failing httpx's default ASCII encoding.
        outbound = self.client.build_request(
            method,
            target,
            headers=httpx.Headers(headers, encoding="latin-1"),
            content=body,
            timeout=httpx.Timeout(read_timeout, connect=self.connect_timeout),
        )
        sent = {name.lower() for name, _ in headers}
        for name in _CLIENT_DEFAULT_HEADERS:
            if name not in sent:
                outbound.headers.pop(name, None)
        try:
            response = await self.client.send(outbound, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise ConnectFailed(str(exc)) from exc
        except httpx.TimeoutException as exc:
            raise TimedOut(str(exc)) from exc
        except httpx.TransportError as exc:
            raise Disconnected(repr(exc)) from exc
        return Answer(response.status_code, list(response.headers.raw), _httpx_body(response), response.aclose)

    async def aclose(self) -> None:
        """Release the connection pool."""
        await self.client.aclose()


async def _httpx_body(response: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.aiter_raw():
            yield chunk
    except httpx.TimeoutException as exc:
        raise TimedOut(str(exc)) from exc
    except httpx.TransportError as exc:
        raise Disconnected(repr(exc)) from exc
