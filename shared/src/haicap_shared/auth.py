"""Who is calling, and whether they may: bearer tokens verified in every service.

Every route is authenticated unless it is visibly public: routes depend on :func:`require`
(a role check that also records the route's :class:`AccessRule`, so a test can list every
route's rule and fail on a route that has none) or on :func:`public`. The area part of a
rule (which province, commune or agency) depends on the record, so each service applies it
in its queries and raises :class:`OutsideArea` (403) for a record outside the caller's area.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from .consumers import note_consumer
from .errors import AppError, UpstreamUnavailable
from .roles import READS_EVERYWHERE, Area, Role
from .settings import ProcessSettings
from .tokens import TokenInvalid, TokenVerifier

logger = logging.getLogger("haicap.auth")

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 (a path, not a secret)
_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False, description="Sign in at the gateway for a token")


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller."""

    subject: str
    username: str
    role: Role
    area: Area = field(default_factory=Area)
    token_id: str | None = None
    system_code: str | None = None
    """The consuming system a service account stands for, from the token (:mod:`haicap_shared.consumers`)."""

    @property
    def everywhere(self) -> bool:
        """Whether the role reads without regard to area."""
        return self.role in READS_EVERYWHERE


def system_principal(name: str) -> Principal:
    """The actor of a command run by an operator (an import), as the audit log names it."""
    return Principal(subject=f"system:{name}", username=f"system:{name}", role=Role.ADMIN)


class NotAuthenticated(AppError):
    status, code, title = 401, "not_authenticated", "Sign in first: this route needs a bearer token"

    def __init__(self, detail: str | None = None, *, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.headers = {"WWW-Authenticate": 'Bearer realm="haicap"'}


class TokenRevoked(NotAuthenticated):
    status, code, title = 401, "token_revoked", "The token has been revoked (signed out); sign in again"


class InvalidToken(NotAuthenticated):
    status, code, title = 401, "invalid_token", "The token is malformed, wrongly signed or not for this API"


class TokenExpired(NotAuthenticated):
    status, code, title = 401, "token_expired", "The token has expired; refresh it or sign in again"


class RoleNotAllowed(AppError):
    status, code, title = 403, "role_not_allowed", "Your role may not do this"


class OutsideArea(AppError):
    status, code, title = 403, "outside_area", "This record is outside your area"


@dataclass(frozen=True, slots=True)
class AccessRule:
    """Which roles a route admits (``public``: no token needed); area checks come on top."""

    roles: frozenset[Role]
    public: bool = False
    writes: bool = False


class KeySource:
    """The public keys tokens are checked against: from settings, or the gateway's JWKS.

    Fetched keys are kept; a token signed with an unknown key triggers one refetch (at most
    every ``refetch_seconds``), which is how a key rotation reaches the services.
    """

    def __init__(self, settings: ProcessSettings, http: httpx.AsyncClient, *, refetch_seconds: float = 30.0) -> None:
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.url = settings.jwks_url
        self.http = http
        self.refetch_seconds = refetch_seconds
        self._static = bool(settings.jwks)
        self._verifier = (
            TokenVerifier(json.loads(settings.jwks), issuer=self.issuer, audience=self.audience) if settings.jwks else None
        )
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()
        self.revocations_url = settings.resolved_revocations_url()
        self.revocation_refresh_seconds = settings.revocation_refresh_seconds
        self._revoked: frozenset[str] = frozenset()
        self._revoked_at = -math.inf
        self._revoked_lock = asyncio.Lock()

    async def verifier_for(self, token: str) -> TokenVerifier:
        verifier = self._verifier
        if verifier is not None and (self._static or verifier.knows(token)):
            return verifier
        async with self._lock:
            if self._verifier is not None and self._verifier.knows(token):
                return self._verifier
            if self._verifier is None or time.monotonic() - self._fetched_at > self.refetch_seconds:
                await self._fetch()
            assert self._verifier is not None
            return self._verifier

    async def _fetch(self) -> None:
        try:
            response = await self.http.get(self.url, timeout=5.0)
            response.raise_for_status()
            key_set = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("cannot fetch signing keys", extra={"url": self.url, "error": str(exc)})
            if self._verifier is None:
                raise UpstreamUnavailable("gateway", "The keys that sign tokens cannot be fetched; try again shortly") from exc
            return
        self._verifier = TokenVerifier(key_set, issuer=self.issuer, audience=self.audience)
        self._fetched_at = time.monotonic()

    async def is_revoked(self, token_id: str | None) -> bool:
        """Whether the gateway lists ``token_id`` as revoked (signed out, sessions ended).

        NOTE: the list is fetched again at most every ``revocation_refresh_seconds``, while a
        request needs it; meanwhile requests use the copy in hand. When the gateway cannot be
        reached, the last list is kept (and the failure logged): revocation is checked
        "within seconds" while the gateway answers, never by refusing every caller when not.
        """
        if self.revocations_url is None or not token_id:
            return False
        stale = time.monotonic() - self._revoked_at >= self.revocation_refresh_seconds
        if stale and (not self._revoked_lock.locked() or self._revoked_at == -math.inf):
            async with self._revoked_lock:
                if time.monotonic() - self._revoked_at >= self.revocation_refresh_seconds:
                    await self._fetch_revoked(self.revocations_url)
        return token_id in self._revoked

    async def _fetch_revoked(self, url: str) -> None:
        try:
            response = await self.http.get(url, timeout=2.0)
            response.raise_for_status()
            self._revoked = frozenset(str(token_id) for token_id in response.json()["token_ids"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            logger.warning("cannot fetch the revoked tokens", extra={"url": url, "error": str(exc)})
        self._revoked_at = time.monotonic()


async def current_principal(request: Request, token: Annotated[str | None, Depends(_bearer)]) -> Principal:
    """The caller named by the request's bearer token; 401 without a valid one."""
    if not token:
        raise NotAuthenticated()
    keys: KeySource = request.app.state.keys
    verifier = await keys.verifier_for(token)
    try:
        claims = verifier.verify(token)
    except TokenInvalid as exc:
        if exc.revoked:
            raise TokenRevoked(str(exc)) from exc
        raise (TokenExpired if exc.expired else InvalidToken)(str(exc)) from exc
    if await keys.is_revoked(claims.token_id):
        raise TokenRevoked()
    principal = Principal(
        subject=claims.subject,
        username=claims.username,
        role=claims.role,
        area=claims.area,
        token_id=claims.token_id,
        system_code=claims.system_code,
    )
    request.state.principal = principal
    note_consumer(request.scope, principal.system_code)
    return principal


SIGNED_IN = AccessRule(roles=frozenset(Role))
current_principal.access_rule = SIGNED_IN  # type: ignore[attr-defined]
# NOTE: what the dependency answers, documented on every route that depends on it
# (haicap_shared.openapi); 503 when the keys that sign tokens cannot be fetched.
current_principal.problems = (NotAuthenticated, InvalidToken, TokenExpired, TokenRevoked, UpstreamUnavailable)  # type: ignore[attr-defined]

CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
"""Any authenticated caller (the route checks what it may see)."""


def require(*roles: Role, writes: bool = False) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting only ``roles``; its rule is readable as ``.access_rule``."""
    allowed = frozenset(roles)

    async def admitted(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise RoleNotAllowed(f"The role {principal.role.value} may not {'change' if writes else 'read'} this")
        return principal

    admitted.access_rule = AccessRule(roles=allowed, writes=writes)  # type: ignore[attr-defined]
    admitted.problems = (RoleNotAllowed,) if allowed != frozenset(Role) else ()  # type: ignore[attr-defined]
    return admitted


RECORD_READERS = (Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER, Role.AUDITOR, Role.SERVICE)
"""Who reads a service's records (people, positions, assets...): every role but ``viewer`` and ``staff``, each in their area.

NOTE: ``staff`` (a person reading their own dossier) is in no list of this module but
``SIGNED_IN``: personnel's ``/me`` routes admit it by name.
"""
RECORD_WRITERS = (Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER)
"""Who writes them: the officers in their area, and admins."""

RecordsRead = Annotated[Principal, Depends(require(*RECORD_READERS))]
RecordsWrite = Annotated[Principal, Depends(require(*RECORD_WRITERS, writes=True))]
ProvinceWrite = Annotated[Principal, Depends(require(Role.ADMIN, Role.PROVINCE_OFFICER, writes=True))]
"""A write only a province (or an admin) makes: quotas, norms, a province's plan."""
AdminWrite = Annotated[Principal, Depends(require(Role.ADMIN, writes=True))]


async def _public() -> None:
    return None


_public.access_rule = AccessRule(roles=frozenset(), public=True)  # type: ignore[attr-defined]
Public = Depends(_public)
"""Marks a route as open to anyone (health, readiness); use as ``dependencies=[Public]``."""


def access_rule_of(dependant: Any) -> AccessRule | None:
    """The access rule a route's dependency tree declares, if any (for tests and docs).

    A role check (``require``) or ``Public`` wins over the plain "any signed-in caller" that
    every role check itself depends on.
    """
    rules = list(_rules(dependant))
    specific = [rule for rule in rules if rule is not SIGNED_IN]
    return specific[0] if specific else (rules[0] if rules else None)


def _rules(dependant: Any) -> Iterator[AccessRule]:
    rule: AccessRule | None = getattr(dependant.call, "access_rule", None)
    if rule is not None:
        yield rule
    for sub in dependant.dependencies:
        yield from _rules(sub)


def check_province(principal: Principal, province_code: str | None) -> None:
    """Refuse a record of another province to a caller bound to one."""
    if principal.everywhere or principal.role is Role.ADMIN:
        return
    if principal.area.province is None or principal.area.province != province_code:
        raise OutsideArea(f"This record belongs to province {province_code}; your area is {principal.area.as_claim() or 'none'}")
