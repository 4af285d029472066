"""The rules of users, service accounts, sign-in, token rotation and revocation.

Services flush, never commit. Sign-in refusals are :class:`Refused`: the router returns them
as problems instead of raising, so the failure counts (and a family revoked on reuse) are
committed with the refusal.
"""

from __future__ import annotations

import logging
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, snapshot
from haicap_shared.auth import Principal
from haicap_shared.errors import AppError, BadRequest, Conflict, NotFound, ValidationFailed
from haicap_shared.models import utcnow
from haicap_shared.roles import Area, Role

from . import repository
from .models import FailureKind, RefreshToken, ServiceAccount, User
from .passwords import generate_password, hash_password, token_digest, verify_password
from .revocation import GatewayTokens
from .schemas import AreaFields, ServiceAccountUpdate, TokenResponse, UserCreate, UserUpdate, area_problem
from .settings import IdentitySettings

logger = logging.getLogger("haicap.gateway.identity")

ENTITY_USER = "user_account"
ENTITY_SERVICE_ACCOUNT = "service_account"
_HIDDEN = frozenset({"password_hash", "secret_hash"})


class UserNotFound(NotFound):
    code, title = "user_not_found", "No such user"


class UsernameTaken(Conflict):
    code, title = "username_taken", "Another user has this username (usernames ignore case)"


class AreaInvalidForRole(BadRequest):
    code, title = "area_invalid_for_role", "The area does not fit the role"


class ServiceAccountNotFound(NotFound):
    code, title = "service_account_not_found", "No such service account"


class SystemCodeInvalid(ValidationFailed):
    code, title = "invalid_system_code", "Not a consuming system's code (X-Road-style or an LGSP partner code)"


class ClientIdTaken(Conflict):
    code, title = "client_id_taken", "Another service account has this client id"


class Refused(AppError):
    """A refused grant; its side effects (failure counts, revocations) are kept."""

    status, code, title = 401, "invalid_credentials", "The username or password is wrong"

    def __init__(
        self, detail: str | None = None, *, code: str | None = None, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail, code=code, **extra)
        self.headers = {"WWW-Authenticate": 'Bearer realm="haicap"', **(headers or {})}


class InvalidCredentials(Refused):
    status, code, title = 401, "invalid_credentials", "The username or password is wrong"


class InvalidClient(Refused):
    status, code, title = 401, "invalid_client", "The client id or secret is wrong"


class InvalidRefreshToken(Refused):
    status, code, title = 401, "invalid_refresh_token", "The refresh token is unknown, expired or revoked; sign in again"


class RefreshTokenReused(Refused):
    status, code, title = 401, "refresh_token_reused", "The refresh token was already used; every session of it is revoked"


class TooManyAttempts(Refused):
    status, code, title = 429, "too_many_attempts", "Too many failed sign-ins; wait before trying again"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Try again in {retry_after} s", headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


def _audit_view(entity: object) -> dict[str, Any]:
    """The audited values: every column but the password or secret hash."""
    return {key: value for key, value in snapshot(entity).items() if key not in _HIDDEN}


# --- users --------------------------------------------------------------------------------


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await repository.get_user(session, user_id)
    if user is None:
        raise UserNotFound(f"No user has id {user_id}")
    return user


async def create_user(session: AsyncSession, audit: AuditTrail, principal: Principal, payload: UserCreate) -> User:
    if await repository.user_by_username(session, payload.username) is not None:
        raise UsernameTaken(f"The username {payload.username!r} is taken")
    user = User(
        username=payload.username,
        username_key=repository.username_key(payload.username),
        display_name=payload.display_name,
        password_hash=await hash_password(payload.password.get_secret_value()),
        role=payload.role,
        province_code=payload.area.province,
        commune_code=payload.area.commune,
        agency_id=payload.area.agency,
        person_id=payload.area.person,
        is_active=True,
    )
    await repository.add(session, user)
    await audit.record(session, principal, entity_type=ENTITY_USER, entity_id=user.id, action="create", after=_audit_view(user))
    return user


async def update_user(
    session: AsyncSession, audit: AuditTrail, tokens: GatewayTokens, principal: Principal, user: User, payload: UserUpdate
) -> User:
    before = _audit_view(user)
    changes = payload.model_dump(exclude_unset=True)
    role = payload.role if payload.role is not None else user.role
    area = payload.area if "area" in changes and payload.area is not None else AreaFields.of_area(user.role, user.area)
    # NOTE: 422, not 409: the rule is about the request alone (this role with this area),
    # whatever else is recorded; 409 is kept for conflicts with other records.
    if problem := area_problem(role, area):
        raise AreaInvalidForRole(f"{problem} (send role and area together to change both)")
    if payload.display_name is not None:
        user.display_name = payload.display_name
    if payload.password is not None:
        user.password_hash = await hash_password(payload.password.get_secret_value())
    user.role = role
    user.province_code, user.commune_code, user.agency_id = area.province, area.commune, area.agency
    user.person_id = area.person
    if payload.is_active is not None:
        user.is_active = payload.is_active
    await repository.flush(session)
    # NOTE: a new password, role or area, or deactivation, ends the user's sessions: their
    # refresh tokens and the access tokens issued with them would otherwise carry the old rights.
    if payload.password is not None or before["role"] != user.role.value or not user.is_active or "area" in changes:
        await end_sessions(session, tokens, user_id=user.id)
    after = _audit_view(user)
    if payload.password is not None:
        after["password_changed"] = True
    await audit.record(
        session, principal, entity_type=ENTITY_USER, entity_id=user.id, action="update", before=before, after=after
    )
    return user


async def deactivate_user(
    session: AsyncSession, audit: AuditTrail, tokens: GatewayTokens, principal: Principal, user: User
) -> User:
    return await update_user(session, audit, tokens, principal, user, UserUpdate(is_active=False))


async def reset_admin_password(session: AsyncSession, audit: AuditTrail, principal: Principal, user: User, password: str) -> None:
    """An operator's recovery of an admin account: new password, active, sessions ended."""
    if user.role is not Role.ADMIN:
        raise UsernameTaken(f"{user.username!r} exists and is not an admin; its password is changed through the API")
    before = _audit_view(user)
    user.password_hash = await hash_password(password)
    user.is_active = True
    await repository.flush(session)
    now = utcnow()
    access = await repository.revoke_families(session, now, user_id=user.id)
    await repository.revoke_access_tokens(session, access, now)
    after = _audit_view(user) | {"password_changed": True}
    await audit.record(
        session, principal, entity_type=ENTITY_USER, entity_id=user.id, action="update", before=before, after=after
    )


async def unlock_user(session: AsyncSession, audit: AuditTrail, principal: Principal, user: User) -> int:
    """Forget the user's failed sign-ins at every address, so no attempt of theirs waits; audited."""
    cleared = await repository.clear_failures_of_user(session, repository.username_key(user.username))
    # NOTE: the user's values with the count, so the change event carries the user as the API returns it.
    view = _audit_view(user)
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_USER,
        entity_id=user.id,
        action="unlock",
        before=view | {"failed_sign_ins": cleared},
        after=view | {"failed_sign_ins": 0},
    )
    return cleared


async def end_sessions(
    session: AsyncSession, tokens: GatewayTokens, *, user_id: uuid.UUID | None = None, family_id: uuid.UUID | None = None
) -> None:
    now = utcnow()
    access = await repository.revoke_families(session, now, family_id=family_id, user_id=user_id)
    await repository.revoke_access_tokens(session, access, now)
    tokens.revoked.add(*(token_id for token_id, _ in access))


# --- service accounts ---------------------------------------------------------------------


async def get_service_account(session: AsyncSession, account_id: uuid.UUID) -> ServiceAccount:
    account = await repository.get_service_account(session, account_id)
    if account is None:
        raise ServiceAccountNotFound(f"No service account has id {account_id}")
    return account


async def create_service_account(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    client_id: str,
    description: str = "",
    *,
    reset: bool = False,
    system_code: str | None = None,
) -> tuple[ServiceAccount, str]:
    """A new service account and its secret (shown once, stored only as a hash).

    With ``reset``, an existing account gets a new secret instead (the old one stops working).
    """
    existing = await repository.service_account_by_client_id(session, client_id)
    if existing is not None and not reset:
        raise ClientIdTaken(f"The client id {client_id!r} is taken")
    secret = generate_password()
    if existing is not None:
        before = _audit_view(existing)
        existing.secret_hash = await hash_password(secret)
        existing.is_active = True
        if system_code is not None:
            existing.system_code = system_code
        await repository.flush(session)
        after = _audit_view(existing) | {"secret_changed": True}
        await audit.record(
            session,
            principal,
            entity_type=ENTITY_SERVICE_ACCOUNT,
            entity_id=existing.id,
            action="update",
            before=before,
            after=after,
        )
        return existing, secret
    account = ServiceAccount(
        client_id=client_id,
        secret_hash=await hash_password(secret),
        description=description,
        is_active=True,
        system_code=system_code,
    )
    await repository.add(session, account)
    await audit.record(
        session, principal, entity_type=ENTITY_SERVICE_ACCOUNT, entity_id=account.id, action="create", after=_audit_view(account)
    )
    return account, secret


async def update_service_account(
    session: AsyncSession, audit: AuditTrail, principal: Principal, account: ServiceAccount, payload: ServiceAccountUpdate
) -> ServiceAccount:
    """Change a service account's description or consuming system (its next tokens carry the new code)."""
    before = _audit_view(account)
    changes = payload.model_dump(exclude_unset=True)
    if payload.description is not None:
        account.description = payload.description
    if "system_code" in changes:
        account.system_code = payload.system_code
    await repository.flush(session)
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_SERVICE_ACCOUNT,
        entity_id=account.id,
        action="update",
        before=before,
        after=_audit_view(account),
    )
    return account


# --- grants -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GrantContext:
    """What every grant needs: the settings, the token issuer, and who is asking from where."""

    settings: IdentitySettings
    tokens: GatewayTokens
    address: str


def pair_key(name_key: str, address: str) -> str:
    """The key of a username (or client id) at one client address (usernames hold no space)."""
    return f"{name_key} {address}"


async def _check_rate(session: AsyncSession, ctx: GrantContext, name_key: str, now: datetime) -> None:
    """429 with Retry-After while this address must wait, for this user or for everyone.

    NOTE: failures slow down the one address they come from, for the one user they name: past
    ``sign_in_free_failures`` each further attempt waits twice as long as the last (up to
    ``sign_in_max_delay_seconds``). The user is never locked out as a whole, so nobody can lock
    out a known user by guessing at their password; from another address the right password
    still gets in. The per-address limit stops one address from trying many usernames.
    """
    settings = ctx.settings
    window = timedelta(seconds=settings.sign_in_window_seconds)
    wait = 0.0
    count, oldest, _ = await repository.failure_times(session, FailureKind.ADDRESS, ctx.address, now - window)
    if count >= settings.sign_in_max_failures_per_address and oldest is not None:
        wait = (oldest + window - now).total_seconds()
    pair = pair_key(name_key, ctx.address)
    failures, _, latest = await repository.failure_times(session, FailureKind.USER_ADDRESS, pair, now - window)
    if failures >= settings.sign_in_free_failures and latest is not None:
        doublings = min(failures - settings.sign_in_free_failures, 32)
        delay = min(settings.sign_in_delay_seconds * 2**doublings, settings.sign_in_max_delay_seconds)
        wait = max(wait, (latest + timedelta(seconds=delay) - now).total_seconds())
    if wait > 0:
        logger.warning("sign-in refused: too many failures", extra={"sign_in": name_key, "address": ctx.address})
        raise TooManyAttempts(max(math.ceil(wait), 1))


async def _fail(session: AsyncSession, ctx: GrantContext, name_key: str, now: datetime, reason: str) -> None:
    # NOTE: old failures are dropped here, so the table holds one window's worth.
    await repository.forget_failures_before(session, now - timedelta(seconds=ctx.settings.sign_in_window_seconds))
    await repository.add_failures(
        session, [(FailureKind.USER_ADDRESS, pair_key(name_key, ctx.address)), (FailureKind.ADDRESS, ctx.address)], now
    )
    logger.warning("sign-in refused", extra={"sign_in": name_key, "address": ctx.address, "reason": reason})


async def _issue_for_user(session: AsyncSession, ctx: GrantContext, user: User, family_id: uuid.UUID) -> TokenResponse:
    ttl = ctx.settings.access_token_ttl_seconds
    access, claims = ctx.tokens.issuer.issue(
        subject=str(user.id), username=user.username, role=user.role, area=user.area, ttl_seconds=ttl
    )
    refresh = secrets.token_urlsafe(32)
    now = utcnow()
    await repository.add_refresh_token(
        session,
        RefreshToken(
            token_hash=token_digest(refresh),
            family_id=family_id,
            user_id=user.id,
            issued_at=now,
            expires_at=now + timedelta(seconds=ctx.settings.refresh_token_ttl_seconds),
            access_token_id=claims.token_id,
            access_expires_at=now + timedelta(seconds=ttl),
        ),
    )
    return TokenResponse(access_token=access, expires_in=ttl, refresh_token=refresh, scope=user.role.value, role=user.role)


async def password_grant(session: AsyncSession, ctx: GrantContext, username: str, password: str) -> TokenResponse:
    """Sign a user in. Unknown user, wrong password and inactive user are refused alike."""
    now = utcnow()
    name_key = repository.username_key(username)
    await _check_rate(session, ctx, name_key, now)
    user = await repository.user_by_username(session, username)
    matches = await verify_password(password, user.password_hash if user is not None else None)
    if user is None or not matches or not user.is_active:
        reason = "unknown user" if user is None else ("wrong password" if not matches else "inactive user")
        await _fail(session, ctx, name_key, now, reason)
        raise InvalidCredentials()
    await repository.clear_failures(session, FailureKind.USER_ADDRESS, pair_key(name_key, ctx.address))
    logger.info("signed in", extra={"sign_in": name_key, "address": ctx.address, "role": user.role.value})
    return await _issue_for_user(session, ctx, user, uuid.uuid4())


async def refresh_grant(session: AsyncSession, ctx: GrantContext, refresh_token: str) -> TokenResponse:
    """Rotate a refresh token; a reused one revokes its whole family."""
    now = utcnow()
    stored = await repository.refresh_token_by_hash(session, token_digest(refresh_token))
    if stored is None or stored.revoked_at is not None or stored.expires_at <= now:
        raise InvalidRefreshToken()
    if stored.used_at is not None or not await repository.mark_used(session, stored.id, now):
        # NOTE: a refresh token is used once; a second use means two parties hold it (one of
        # them a thief), and which is which cannot be told, so the family ends for both.
        await end_sessions(session, ctx.tokens, family_id=stored.family_id)
        logger.warning("refresh token reused: family revoked", extra={"family": str(stored.family_id), "address": ctx.address})
        raise RefreshTokenReused()
    user = await repository.get_user(session, stored.user_id)
    if user is None or not user.is_active:
        await end_sessions(session, ctx.tokens, family_id=stored.family_id)
        raise InvalidRefreshToken()
    return await _issue_for_user(session, ctx, user, stored.family_id)


async def client_credentials_grant(session: AsyncSession, ctx: GrantContext, client_id: str, client_secret: str) -> TokenResponse:
    """A token for a service account (no refresh token: it asks again with its secret)."""
    now = utcnow()
    name_key = f"client:{client_id}"
    await _check_rate(session, ctx, name_key, now)
    account = await repository.service_account_by_client_id(session, client_id)
    matches = await verify_password(client_secret, account.secret_hash if account is not None else None)
    if account is None or not matches or not account.is_active:
        await _fail(session, ctx, name_key, now, "bad client credentials")
        raise InvalidClient()
    ttl = ctx.settings.access_token_ttl_seconds
    access, _ = ctx.tokens.issuer.issue(
        subject=f"service:{account.client_id}",
        username=account.client_id,
        role=Role.SERVICE,
        area=Area(),
        ttl_seconds=ttl,
        system_code=account.system_code,
    )
    return TokenResponse(access_token=access, expires_in=ttl, scope=Role.SERVICE.value, role=Role.SERVICE)


async def logout(session: AsyncSession, ctx: GrantContext, principal: Principal, refresh_token: str | None) -> None:
    """Revoke the caller's access token and, if given, the family of their refresh token."""
    now = utcnow()
    if principal.token_id:
        # NOTE: the token's own expiry is not at hand here; the longest an access token can
        # live is a safe bound for how long to keep the revocation.
        expires = now + timedelta(seconds=ctx.settings.access_token_ttl_seconds + 60)
        await repository.revoke_access_tokens(session, [(principal.token_id, expires)], now)
        ctx.tokens.revoked.add(principal.token_id)
    if refresh_token:
        stored = await repository.refresh_token_by_hash(session, token_digest(refresh_token))
        # NOTE: only the caller's own family: a refresh token found elsewhere is not a licence
        # to end someone else's sessions.
        if stored is not None and str(stored.user_id) == principal.subject:
            await end_sessions(session, ctx.tokens, family_id=stored.family_id)
