"""httpx's interface on aiohttp's connection pool: the transport of every service's pooled client.

Why not httpx's own pool (httpcore): for each request it walks every connection it keeps and
asks each whether it expired, through anyio's typed attributes. With a province summary's 21
calls at once, that walk alone was 19 % of reporting's CPU (py-spy), and httpcore's locks and
streams around it most of the rest: 2.4 ms of CPU per call in a loopback benchmark, against
0.40 ms through this transport (``bench/http_client.py``).

Callers keep httpx's API (``httpx.Response``, its exceptions, its timeouts): this transport maps
aiohttp's errors onto httpx's, so that :class:`haicap_shared.http.ServiceClient` tells a service
that is down (``ConnectError``, a 503) from one that is slow (a ``TimeoutException``, a 504).
NOTE: httpx-aiohttp (0.2.0) does the same, but maps a refused connection onto ``ConnectTimeout``
(``aiohttp.ClientConnectionError`` comes first in its table), which would turn a service that is
down into a 504.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator, Iterator

import aiohttp
import httpx
from yarl import URL

# NOTE: the caller sets these itself (or leaves them out on purpose); aiohttp must not add its own
_SET_BY_THE_CALLER = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")


def plain_aiohttp_session(
    *, limit: int, keepalive_seconds: float, timeout: aiohttp.ClientTimeout, tls: ssl.SSLContext | bool = True
) -> aiohttp.ClientSession:
    """An aiohttp session that adds nothing of its own to what it sends or hands back.

    No cookie jar (a Set-Cookie from one service never travels with a later call through it), no
    proxy from the environment (calls between services stay on the private network), no
    decompression (the body is handed back as it came), none of aiohttp's default headers: the
    caller (httpx here, the gateway passing a request on) decides what goes out. Call it inside
    the running event loop.
    """
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=limit, keepalive_timeout=keepalive_seconds, ssl=tls),
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
        auto_decompress=False,
        skip_auto_headers=_SET_BY_THE_CALLER,
        timeout=timeout,
    )


def aiohttp_header_value(value: str) -> str:
    """A header value (its bytes read as latin-1) as aiohttp must get it to send those bytes again.

    NOTE: aiohttp writes header values in UTF-8: bytes that are UTF-8 (what clients send) go on
    byte for byte once read as such; other bytes stay as read (re-encoded, never a failure).
    """
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return value


@contextlib.contextmanager
def _as_httpx_errors(request: httpx.Request) -> Iterator[None]:
    """aiohttp's errors as the httpx ones they are, most specific first."""
    try:
        yield
    except aiohttp.ConnectionTimeoutError as exc:  # NOTE: connecting, or waiting for a pooled connection
        raise httpx.ConnectTimeout(str(exc), request=request) from exc
    except aiohttp.ClientConnectorError as exc:  # NOTE: refused, unreachable, not resolved: nothing was sent
        raise httpx.ConnectError(str(exc), request=request) from exc
    except TimeoutError as exc:  # NOTE: aiohttp's read timeout is a TimeoutError too
        raise httpx.ReadTimeout(str(exc) or "no answer in time", request=request) from exc
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientResponseError) as exc:
        raise httpx.RemoteProtocolError(str(exc), request=request) from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise httpx.ReadError(str(exc) or repr(exc), request=request) from exc


class _AiohttpBody(httpx.AsyncByteStream):
    """A response body read as it arrives; closing it gives the connection back (or drops it, if unread)."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors(self._request):
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        self._response.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An ``httpx.AsyncClient`` transport sending through one ``aiohttp.ClientSession``.

    The session (:func:`plain_aiohttp_session`) is made on the first request, inside the running
    event loop, and closed with the client. httpx keeps doing what it did above its transport:
    decoding the body, following redirects when asked, its client's cookie jar (which
    :func:`haicap_shared.http.new_http_client` makes refuse every cookie). TLS is verified as
    httpx verifies it (certifi's roots), so a switch of transport changes no trust.
    """

    def __init__(self, *, max_connections: int, keepalive_seconds: float) -> None:
        self.max_connections = max_connections
        self.keepalive_seconds = keepalive_seconds
        self._session: aiohttp.ClientSession | None = None

    def _session_in_loop(self) -> aiohttp.ClientSession:
        if self._session is None:
            # NOTE: no time limit for the session: each request brings httpx's own
            self._session = plain_aiohttp_session(
                limit=self.max_connections,
                keepalive_seconds=self.keepalive_seconds,
                timeout=aiohttp.ClientTimeout(total=None),
                tls=httpx.create_ssl_context(),
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        timeout = aiohttp.ClientTimeout(
            total=None, connect=timeouts.get("pool"), sock_connect=timeouts.get("connect"), sock_read=timeouts.get("read")
        )
        headers = [(name.decode("latin-1"), aiohttp_header_value(value.decode("latin-1"))) for name, value in request.headers.raw]
        try:
            body: bytes | httpx.AsyncByteStream | None = request.content or None
        except httpx.RequestNotRead:
            # NOTE: a streamed body: aiohttp frames it itself
            body = request.stream  # type: ignore[assignment]
            headers = [(name, value) for name, value in headers if name.lower() != "transfer-encoding"]
        with _as_httpx_errors(request):
            # NOTE: encoded=True: the URL goes out as httpx built it, escapes and all
            response = await self._session_in_loop().request(
                request.method,
                URL(str(request.url), encoded=True),
                headers=headers,
                data=body,
                allow_redirects=False,
                timeout=timeout,
            )
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_AiohttpBody(response, request),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": (response.reason or "").encode("latin-1", "replace")},
            request=request,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
