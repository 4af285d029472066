"""Which headers cross the gateway, whatever HTTP client carries them.

Pure functions over ``(name, value)`` pairs, so a second ``Upstream`` implementation (aiohttp)
applies exactly the same rules as the httpx one.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import Scope

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


_HOP_BY_HOP_RAW = frozenset(name.encode() for name in HOP_BY_HOP)
_DROPPED_ON_REQUEST = _HOP_BY_HOP_RAW | {name.encode() for name in _REPLACED_ON_REQUEST} | {b"x-forwarded-for"}
_DROPPED_ON_RESPONSE = _HOP_BY_HOP_RAW | {name.encode() for name in _REPLACED_ON_RESPONSE}


def _connection_tokens(headers: Iterable[tuple[bytes, bytes]]) -> frozenset[bytes]:
    """The header names a Connection header lists (lower case): hop-by-hop too."""
    return frozenset(
        token.strip().lower()
        for name, value in headers
        if name.lower() == b"connection"
        for token in value.split(b",")
        if token.strip()
    )


def upstream_request_headers(scope: Scope) -> list[tuple[str, str]]:
    """The incoming request's end-to-end headers plus X-Request-ID and X-Forwarded-For/-Proto/-Host.

    NOTE: one pass over the raw (already lower-case, as ASGI servers give them) header pairs:
    this runs for every forwarded request.
    """
    raw: list[tuple[bytes, bytes]] = scope["headers"]
    host: bytes | None = None
    earlier: bytes | None = None
    listed: list[tuple[bytes, bytes]] = []
    headers: list[tuple[str, str]] = []
    for name, value in raw:
        lower = name.lower()
        if lower in _DROPPED_ON_REQUEST:
            if lower == b"host":
                host = value
            elif lower == b"x-forwarded-for":
                earlier = value if earlier is None else earlier + b", " + value
            elif lower == b"connection":
                listed.append((lower, value))
            continue
        headers.append((lower.decode("latin-1"), value.decode("latin-1")))
    if listed:
        # NOTE: rare: a Connection header names more hop-by-hop headers, dropped from what was kept.
        named = {token.decode("latin-1") for token in _connection_tokens(listed)}
        headers = [(name, value) for name, value in headers if name not in named]
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    headers.append(("X-Forwarded-For", f"{earlier.decode('latin-1')}, {peer}" if earlier else peer))
    headers.append(("X-Forwarded-Proto", scope.get("scheme", "http")))
    if host is not None:
        headers.append(("X-Forwarded-Host", host.decode("latin-1")))
    request_id = request_id_var.get()
    if request_id:
        headers.append(("X-Request-ID", request_id))
    return headers


def downstream_response_headers(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The upstream response's end-to-end headers, raw (repeated ones such as Set-Cookie kept), names in lower case."""
    kept: list[tuple[bytes, bytes]] = []
    listed: list[tuple[bytes, bytes]] = []
    for name, value in raw:
        lower = name.lower()
        if lower == b"connection":
            listed.append((lower, value))
        if lower not in _DROPPED_ON_RESPONSE:
            kept.append((lower, value))
    if not listed:
        return kept
    # NOTE: rare: a Connection header names more hop-by-hop headers, dropped from what was kept.
    named = _connection_tokens(listed)
    return [(name, value) for name, value in kept if name not in named]
