"""Which headers cross the gateway, whatever HTTP client carries them.

Pure functions over ``(name, value)`` pairs, so a second ``Upstream`` implementation (aiohttp)
applies exactly the same rules as the httpx one.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import Request

from haicap_shared.logs import request_id_var

# NOTE: RFC 9110 §7.6.1: these describe one connection, not the message, so a proxy must not
# pass them on; neither may it pass any header the Connection header names.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
# NOTE: the gateway sets these itself: the upstream's Host comes from its URL, the request id
# is the one the gateway's middleware accepted or made, the X-Forwarded-* are recomputed.
_REPLACED_ON_REQUEST = frozenset({"host", "x-request-id", "x-forwarded-proto", "x-forwarded-host"})
# NOTE: the gateway's own server (uvicorn) always writes Date and Server, and its middleware
# writes X-Request-ID; passing the upstream's copies on would send each of them twice.
_REPLACED_ON_RESPONSE = frozenset({"date", "server", "x-request-id"})


def _connection_tokens(headers: Iterable[tuple[str, str]]) -> set[str]:
    return {
        token.strip().lower()
        for name, value in headers
        if name.lower() == "connection"
        for token in value.split(",")
        if token.strip()
    }


def _end_to_end(headers: list[tuple[str, str]], replaced: frozenset[str]) -> list[tuple[str, str]]:
    dropped = HOP_BY_HOP | replaced | _connection_tokens(headers)
    return [(name, value) for name, value in headers if name.lower() not in dropped]


def upstream_request_headers(request: Request) -> list[tuple[str, str]]:
    """The incoming request's end-to-end headers plus X-Request-ID and X-Forwarded-For/-Proto/-Host."""
    incoming = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
    headers = [(name, value) for name, value in _end_to_end(incoming, _REPLACED_ON_REQUEST) if name.lower() != "x-forwarded-for"]
    client = request.client.host if request.client else "unknown"
    earlier = request.headers.get("x-forwarded-for")
    headers.append(("X-Forwarded-For", f"{earlier}, {client}" if earlier else client))
    headers.append(("X-Forwarded-Proto", request.url.scheme))
    if "host" in request.headers:
        headers.append(("X-Forwarded-Host", request.headers["host"]))
    request_id = request_id_var.get()
    if request_id:
        headers.append(("X-Request-ID", request_id))
    return headers


def downstream_response_headers(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The upstream response's end-to-end headers, raw (repeated ones such as Set-Cookie kept)."""
    pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]
    return [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in _end_to_end(pairs, _REPLACED_ON_RESPONSE)
    ]
