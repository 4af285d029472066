"""Wiring the identity part into the gateway app: its lifespan, routers and the bearer guard."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from .keys import load_signing_keys
from .revocation import GatewayTokens, RevocationList
from .router import router, service_accounts, users
from .settings import IdentitySettings

logger = logging.getLogger("haicap.gateway.identity")

ROUTERS: tuple[APIRouter, ...] = (router, users, service_accounts)
OPENAPI_TAGS = [
    {"name": "auth", "description": "Sign-in (OAuth2 password, refresh and client credentials), sign-out, keys, the caller"},
    {"name": "users", "description": "User accounts, their roles and areas (admins only)"},
    {"name": "service accounts", "description": "Accounts of services that sign in with client credentials (admins only)"},
]


@asynccontextmanager
async def identity_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the signing keys and the revoked tokens; make :class:`GatewayTokens` the app's key source."""
    settings: IdentitySettings = app.state.settings
    signing = load_signing_keys(settings)
    if signing.generated:
        logger.warning("signing tokens with a generated development key (var/); configure one outside development")
    tokens = GatewayTokens(
        signing,
        RevocationList(app.state.database, settings.revocation_refresh_seconds),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    app.state.tokens = tokens
    # NOTE: the shared current_principal asks app.state.keys for a verifier; at the gateway
    # that is the gateway's own keys (and revocations), not a fetch of its own JWKS.
    app.state.keys = tokens
    yield
