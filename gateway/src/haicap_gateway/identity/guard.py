"""The gateway's check of bearer tokens on forwarded requests (``/api/v1/<service>/...``).

A request with a bearer token that is malformed, wrongly signed, expired or revoked is
answered 401 by the gateway itself, before it reaches a service. A request without one (or
with another scheme) passes on unchanged: the service answers 401 itself, so the error is
the same whether it is called directly or through the gateway.
"""

from __future__ import annotations

from fastapi import Depends, Request

from haicap_shared.auth import NotAuthenticated
from haicap_shared.errors import problem_responses
from haicap_shared.tokens import TokenInvalid

from .revocation import GatewayTokens


async def check_bearer_token(request: Request) -> None:
    """Refuse a forwarded request whose bearer token is not valid here."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return
    tokens: GatewayTokens = request.app.state.tokens
    try:
        await tokens.check(token)
    except TokenInvalid as exc:
        raise NotAuthenticated(str(exc), code="token_expired" if exc.expired else "invalid_token") from exc


BearerGuard = Depends(check_bearer_token)
"""For the forwarding routes: ``include_router(..., dependencies=[BearerGuard])``."""
GUARD_RESPONSES = problem_responses(NotAuthenticated)
