"""The gateway's check of bearer tokens on forwarded requests (``/api/v1/<service>/...``).

A request with a bearer token that is malformed, wrongly signed, expired or revoked is
answered 401 by the gateway itself, before it reaches a service. A request without one (or
with another scheme) passes on unchanged: the service answers 401 itself, so the error is
the same whether it is called directly or through the gateway.

Plain functions over the ASGI scope's raw headers: the forwarding layer (``forwarding.py``)
calls them for every forwarded request, without FastAPI's dependency solving.
"""

from __future__ import annotations

from haicap_shared.auth import NotAuthenticated, TokenRevoked
from haicap_shared.tokens import AccessClaims, TokenInvalid

from .revocation import GatewayTokens


def bearer_token(raw_headers: list[tuple[bytes, bytes]]) -> str | None:
    """The token of the first Authorization header if its scheme is Bearer, else None."""
    for name, value in raw_headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return token if scheme.lower() == "bearer" and token else None
    return None


async def check_bearer_token(raw_headers: list[tuple[bytes, bytes]], tokens: GatewayTokens) -> AccessClaims | None:
    """The claims of a forwarded request's bearer token (None without one); 401 (:class:`NotAuthenticated`) if not valid here."""
    token = bearer_token(raw_headers)
    if token is None:
        return None
    try:
        return await tokens.check(token)
    except TokenInvalid as exc:
        if exc.revoked:
            raise TokenRevoked(str(exc)) from exc
        raise NotAuthenticated(str(exc), code=exc.code) from exc
