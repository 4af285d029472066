"""Response headers every haicap process sets, so no proxy is needed for them.

- ``X-Content-Type-Options: nosniff`` on every response: a browser never guesses a type other
  than the one declared (a CSV or JSON body is never run as HTML or script).
- ``Cache-Control: no-store`` on every response whose route did not choose its own caching:
  answers are per caller (bearer tokens) and hold personal data, so neither a shared cache nor
  the browser keeps them. Routes that may be cached say so themselves (the gateway's JWKS,
  reporting's reports), and their header is kept.
- ``Vary: Authorization`` on answers to a request that carried a token and may be kept, so a
  cache never hands one caller's answer to another.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOSNIFF = (b"x-content-type-options", b"nosniff")
NO_STORE = (b"cache-control", b"no-store")
_VARY_AUTHORIZATION = (b"vary", b"Authorization")


class SecurityHeadersMiddleware:
    """Add ``X-Content-Type-Options: nosniff`` and, unless the route set one, ``Cache-Control: no-store``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authorized = any(name == b"authorization" for name, _ in scope["headers"])

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                names = {name.lower() for name, _ in headers}
                if b"x-content-type-options" not in names:
                    headers.append(NOSNIFF)
                if b"cache-control" not in names:
                    headers.append(NO_STORE)
                elif authorized and not _varies_on_authorization(headers):
                    headers.append(_VARY_AUTHORIZATION)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def _varies_on_authorization(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(
        name.lower() == b"vary" and (b"authorization" in value.lower() or value.strip() == b"*") for name, value in headers
    )
