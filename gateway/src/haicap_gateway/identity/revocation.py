"""Checking access tokens at the gateway: signature and expiry, then the revoked set.

The revoked token ids are read from the database into memory at most every
``revocation_refresh_seconds`` (by whichever request finds the copy stale), so checking a
token costs no query; a revocation made by this process counts at once, one made by another
replica within those seconds.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict

from haicap_shared.db import Database
from haicap_shared.models import utcnow
from haicap_shared.tokens import AccessClaims, TokenInvalid, TokenIssuer, TokenVerifier

from . import repository
from .keys import SigningKeys

logger = logging.getLogger("haicap.gateway.identity")

VERIFIED_CACHE_SIZE = 4096
"""How many verified access tokens a gateway process remembers (LRU), to skip verifying them again."""
# NOTE: the leeway TokenVerifier gives ``exp`` (PyJWT's ``leeway=5``): a remembered token
# stops being accepted exactly when verifying it again would say it has expired.
EXPIRY_LEEWAY_SECONDS = 5


class RevocationList:
    """The ids of revoked, unexpired access tokens, refreshed from the database every few seconds."""

    def __init__(self, database: Database, refresh_seconds: float) -> None:
        self.database = database
        self.refresh_seconds = refresh_seconds
        self._ids: set[str] = set()
        self._local: dict[str, float] = {}
        self._loaded_at = -math.inf
        self._lock = asyncio.Lock()

    def __contains__(self, token_id: object) -> bool:
        return token_id in self._ids

    def ids(self) -> frozenset[str]:
        """The revoked, unexpired access tokens known now (what the services fetch)."""
        return frozenset(self._ids)

    def add(self, *token_ids: str) -> None:
        """Count a revocation this process just committed (others see it at their next refresh)."""
        now = time.monotonic()
        self._local.update(dict.fromkeys(token_ids, now))
        self._ids.update(token_ids)

    async def refresh_if_stale(self) -> None:
        if time.monotonic() - self._loaded_at < self.refresh_seconds:
            return
        if self._lock.locked() and self._loaded_at > -math.inf:
            return  # NOTE: another request is reading it; the copy in hand is a few seconds old at most
        async with self._lock:
            if time.monotonic() - self._loaded_at < self.refresh_seconds:
                return
            await self.reload()

    async def reload(self) -> None:
        async with self.database.sessionmaker() as session:
            ids = await repository.revoked_token_ids(session, utcnow())
        # NOTE: keep what this process revoked lately: its commit may not have been visible
        # to this read yet.
        now = time.monotonic()
        self._local = {i: at for i, at in self._local.items() if now - at < 2 * self.refresh_seconds}
        self._ids = ids | set(self._local)
        self._loaded_at = now


class _RevocationAwareVerifier(TokenVerifier):
    def __init__(self, signing: SigningKeys, revoked: RevocationList, *, issuer: str, audience: str) -> None:
        super().__init__(signing.jwks(), issuer=issuer, audience=audience)
        self.revoked = revoked

    def verify(self, token: str) -> AccessClaims:
        claims = super().verify(token)
        if claims.token_id in self.revoked:
            raise TokenInvalid("the token has been revoked (signed out)", revoked=True)
        return claims


class GatewayTokens:
    """Issues and checks access tokens; also what ``app.state.keys`` is at the gateway.

    The shared :func:`haicap_shared.auth.current_principal` asks ``app.state.keys`` for a
    verifier; at the gateway that is this object, so the gateway's own routes (``/me``, user
    management, audit events) refuse revoked tokens too, without fetching its own JWKS.
    """

    def __init__(
        self, signing: SigningKeys, revoked: RevocationList, *, issuer: str, audience: str, cache_size: int = VERIFIED_CACHE_SIZE
    ) -> None:
        self.signing = signing
        self.revoked = revoked
        self.issuer = TokenIssuer(signing.current, issuer=issuer, audience=audience)
        self._verifier = _RevocationAwareVerifier(signing, revoked, issuer=issuer, audience=audience)
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()
        self._cache_size = cache_size

    async def verifier_for(self, token: str) -> TokenVerifier:
        await self.revoked.refresh_if_stale()
        return self._verifier

    async def is_revoked(self, token_id: str | None) -> bool:
        """Whether ``token_id`` is revoked (the shared ``current_principal`` asks every key source)."""
        await self.revoked.refresh_if_stale()
        return bool(token_id) and token_id in self.revoked

    async def check(self, token: str) -> AccessClaims:
        """The token's claims; :class:`TokenInvalid` when it is malformed, wrongly signed, expired or revoked.

        NOTE: a token whose signature and claims were verified is remembered (a small LRU keyed
        by the token string) until it expires, so a caller's next requests skip the Ed25519
        check and the JSON decoding; expiry is checked again on every use, with the verifier's
        leeway, and revocation is always checked against the current set. Only tokens that
        verified are kept, so a flood of garbage tokens cannot fill it with anything useful.
        """
        claims = self._verified.get(token)
        if claims is not None and time.time() < claims.expires_at + EXPIRY_LEEWAY_SECONDS:
            self._verified.move_to_end(token)
        else:
            # NOTE: the signature first, so a forged or garbled token never costs a database read.
            self._verified.pop(token, None)
            claims = TokenVerifier.verify(self._verifier, token)
            self._verified[token] = claims
            if len(self._verified) > self._cache_size:
                self._verified.popitem(last=False)
        await self.revoked.refresh_if_stale()
        if claims.token_id in self.revoked:
            raise TokenInvalid("the token has been revoked (signed out)", revoked=True)
        return claims
