"""gzip for JSON responses, the gateway's own and the services', when the caller accepts it.

NOTE: not Starlette's GZipMiddleware as is: that one compresses every type not on a deny
list (a 200 MB CSV export or a file download would be compressed at level 9 on the event
loop's process), while the gain is in JSON. This one reuses its responder, which streams
(each chunk compressed and flushed, never the whole body held), leaves a body that already
carries Content-Encoding alone and skips partial (206) responses; it is only given JSON.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipResponder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_COMPRESSLEVEL = 6


def is_json(content_type: str) -> bool:
    """``application/json``, ``application/problem+json`` and any other ``+json`` type."""
    media_type = content_type.partition(";")[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


class JsonGZipMiddleware:
    """Compress JSON responses of at least ``minimum_size`` bytes for callers that accept gzip."""

    def __init__(self, app: ASGIApp, minimum_size: int = 1024) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _accepts_gzip(scope["headers"]):
            await self.app(scope, receive, send)
            return
        responder: GZipResponder | None = None

        async def choose(message: Message) -> None:
            nonlocal responder
            if message["type"] == "http.response.start":
                headers = Headers(raw=message.get("headers", []))
                length = headers.get("content-length", "")
                # NOTE: a forwarded body always arrives as a stream, where the responder cannot
                # see its size; the upstream's Content-Length tells that it is too small to gain.
                small = length.isdigit() and int(length) < self.minimum_size
                if is_json(headers.get("content-type", "")) and not small:
                    # NOTE: made only for a response it compresses (it allocates a gzip stream).
                    responder = GZipResponder(self.app, self.minimum_size, compresslevel=_COMPRESSLEVEL)
                    responder.send = send
                else:
                    responder = None
            if responder is not None:
                await responder.send_with_compression(message)
            else:
                await send(message)

        # NOTE: the responder is driven message by message, so the decision (JSON or not) is
        # taken on the response head, before a byte of the body is touched.
        await self.app(scope, receive, choose)


def _accepts_gzip(raw_headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name == b"accept-encoding" and b"gzip" in value.lower() for name, value in raw_headers)
