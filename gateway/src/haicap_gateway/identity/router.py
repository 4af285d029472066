"""HTTP routes of sign-in, tokens, keys and user management, under ``/api/v1/auth``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.auth import CurrentPrincipal, NotAuthenticated, Public, RoleNotAllowed
from haicap_shared.db import DbSession
from haicap_shared.errors import BadRequest, PreconditionFailed, PreconditionRequired, problem_response, problem_responses
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.paging import Cursor, Limit, Page, fetch_page, keyset_page
from haicap_shared.roles import Role
from haicap_shared.versioning import IfMatch, etag_response

from . import repository, service
from .access import UsersRead, UsersWrite
from .revocation import GatewayTokens
from .schemas import (
    AreaFields,
    JsonWebKeySet,
    Me,
    RevokedTokens,
    ServiceAccount,
    ServiceAccountUpdate,
    TokenResponse,
    User,
    UserCreate,
    UserUpdate,
)
from .settings import IdentitySettings

PREFIX = "/api/v1/auth"
router = APIRouter(prefix=PREFIX, tags=["auth"])


class UnsupportedGrantType(BadRequest):
    code, title = "unsupported_grant_type", "grant_type must be password, refresh_token or client_credentials"


class GrantFieldsMissing(BadRequest):
    code, title = "invalid_request", "A field this grant needs is missing"


def _tokens(request: Request) -> GatewayTokens:
    tokens: GatewayTokens = request.app.state.tokens
    return tokens


Tokens = Annotated[GatewayTokens, Depends(_tokens)]


def _grant_context(request: Request, tokens: Tokens) -> service.GrantContext:
    settings: IdentitySettings = request.app.state.settings
    # NOTE: the address the connection came from. X-Forwarded-For counts only when it comes
    # from a proxy named in HAICAP_GATEWAY_FORWARDED_ALLOW_IPS (none by default), so a caller
    # cannot pick a new address per attempt; behind an unnamed proxy all callers share one.
    address = request.client.host if request.client else "unknown"
    return service.GrantContext(settings=settings, tokens=tokens, address=address)


Grant = Annotated[service.GrantContext, Depends(_grant_context)]
UserId = Annotated[uuid.UUID, Path(description="The user's id")]
ServiceAccountId = Annotated[uuid.UUID, Path(description="The service account's id")]


def _user_response(user: object, status_code: int = 200) -> JSONResponse:
    return etag_response(User.of(user), status_code=status_code)


@router.post(
    "/token",
    response_model=TokenResponse,
    dependencies=[Public],
    responses=problem_responses(
        service.InvalidCredentials,
        service.InvalidClient,
        service.InvalidRefreshToken,
        service.RefreshTokenReused,
        service.TooManyAttempts,
        UnsupportedGrantType,
        GrantFieldsMissing,
    ),
)
async def token(
    request: Request,
    session: DbSession,
    grant: Grant,
    grant_type: Annotated[str, Form(description="`password`, `refresh_token` or `client_credentials`")],
    username: Annotated[str | None, Form(max_length=100)] = None,
    password: Annotated[str | None, Form(max_length=200)] = None,
    refresh_token: Annotated[str | None, Form(max_length=200)] = None,
    client_id: Annotated[str | None, Form(max_length=100)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
    scope: Annotated[str | None, Form(description="Ignored: a token carries the role of its holder")] = None,
) -> JSONResponse:
    """Sign in (OAuth2 password, refresh_token or client_credentials grant) for an access token."""
    try:
        if grant_type == "password":
            if not username or not password:
                raise GrantFieldsMissing("The password grant needs username and password")
            result = await service.password_grant(session, grant, username, password)
        elif grant_type == "refresh_token":
            if not refresh_token:
                raise GrantFieldsMissing("The refresh_token grant needs refresh_token")
            result = await service.refresh_grant(session, grant, refresh_token)
        elif grant_type == "client_credentials":
            if not client_id or not client_secret:
                raise GrantFieldsMissing("The client_credentials grant needs client_id and client_secret")
            result = await service.client_credentials_grant(session, grant, client_id, client_secret)
        else:
            raise UnsupportedGrantType(f"Unsupported grant_type {grant_type!r}")
    except service.Refused as exc:
        # NOTE: returned, not raised: the unit of work then commits what the refusal recorded
        # (the failure counts, a family revoked on reuse) instead of rolling it back.
        return problem_response(exc.problem(request.url.path), headers=exc.headers)
    # NOTE: RFC 6749 §5.1: token responses must not be cached.
    return JSONResponse(
        result.model_dump(mode="json", exclude_none=True), headers={"Cache-Control": "no-store", "Pragma": "no-cache"}
    )


@router.post("/logout", status_code=204, responses=problem_responses(NotAuthenticated))
async def logout(
    session: DbSession,
    grant: Grant,
    principal: CurrentPrincipal,
    refresh_token: Annotated[str | None, Form(max_length=200, description="Also end this refresh token's family")] = None,
) -> Response:
    """Sign out: revoke this access token and the family of the given refresh token."""
    await service.logout(session, grant, principal, refresh_token)
    return Response(status_code=204)


@router.get("/jwks", response_model=JsonWebKeySet, dependencies=[Public])
async def jwks(tokens: Tokens) -> JSONResponse:
    """The public keys that verify access tokens (current first, then previous ones)."""
    return JSONResponse(tokens.signing.jwks(), headers={"Cache-Control": "public, max-age=300"})


@router.get("/revoked", response_model=RevokedTokens, dependencies=[Public])
async def revoked_tokens(request: Request, tokens: Tokens) -> RevokedTokens:
    """The access tokens revoked before they expire (ids only), which every service refuses."""
    # NOTE: public like the keys: a token id alone opens nothing, and the services fetch this
    # list without an account (org-structure has none). Never cached (no-store by default).
    settings: IdentitySettings = request.app.state.settings
    await tokens.revoked.refresh_if_stale()
    return RevokedTokens(token_ids=sorted(tokens.revoked.ids()), refresh_seconds=settings.revocation_refresh_seconds)


@router.get("/me", response_model=Me, responses=problem_responses(NotAuthenticated))
async def me(principal: CurrentPrincipal) -> Me:
    """The caller, as their access token names them."""
    return Me(
        subject=principal.subject,
        username=principal.username,
        role=principal.role,
        area=AreaFields.of_area(principal.role, principal.area),
        token_id=principal.token_id,
    )


users = APIRouter(prefix=f"{PREFIX}/users", tags=["users"], responses=problem_responses(NotAuthenticated, RoleNotAllowed))


@users.get("", response_model=Page[User], responses=problem_responses(BadRequest))
async def list_users(
    session: DbSession,
    _principal: UsersRead,
    role: Annotated[Role | None, Query(description="Only users of this role")] = None,
    active: Annotated[bool | None, Query(description="Only active (true) or deactivated (false) users")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[User]:
    """List users by username (case-insensitive order), filtered and paged."""
    rows, next_cursor = await fetch_page(
        session, repository.list_users(role=role, active=active), order_by=repository.USER_LIST_ORDER, limit=limit, cursor=cursor
    )
    return Page[User](items=[User.of(row) for row in rows], next=next_cursor)


@users.post(
    "",
    status_code=201,
    response_model=User,
    responses=problem_responses(service.UsernameTaken, IdempotencyKeyReused),
)
async def create_user(
    payload: UserCreate, session: DbSession, audit: Audit, principal: UsersWrite, idempotency: Idempotency
) -> JSONResponse:
    """Create a user; the area must fit the role (422 otherwise), the username be free (409)."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    user = await service.create_user(session, audit, principal, payload)
    body = User.of(user)
    return await idempotency.created(body, location=f"users/{user.id}")


@users.get("/{user_id}", response_model=User, responses=problem_responses(service.UserNotFound))
async def get_user(user_id: UserId, session: DbSession, _principal: UsersRead) -> JSONResponse:
    """One user by id, with its ETag."""
    return _user_response(await service.get_user(session, user_id))


@users.patch(
    "/{user_id}",
    response_model=User,
    responses=problem_responses(service.UserNotFound, service.AreaInvalidForRole, PreconditionFailed, PreconditionRequired),
)
async def update_user(
    user_id: UserId,
    payload: UserUpdate,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    tokens: Tokens,
    principal: UsersWrite,
) -> JSONResponse:
    """Change a user's name, password, role, area or active flag. Requires If-Match."""
    user = await service.get_user(session, user_id)
    if_match.check(user.version)
    return _user_response(await service.update_user(session, audit, tokens, principal, user, payload))


@users.post(
    "/{user_id}/deactivate",
    response_model=User,
    responses=problem_responses(service.UserNotFound, PreconditionFailed, PreconditionRequired),
)
async def deactivate_user(
    user_id: UserId, if_match: IfMatch, session: DbSession, audit: Audit, tokens: Tokens, principal: UsersWrite
) -> JSONResponse:
    """Deactivate a user: no more sign-ins, and their sessions end. Requires If-Match."""
    user = await service.get_user(session, user_id)
    if_match.check(user.version)
    return _user_response(await service.deactivate_user(session, audit, tokens, principal, user))


@users.post("/{user_id}/unlock", status_code=204, responses=problem_responses(service.UserNotFound))
async def unlock_user(user_id: UserId, session: DbSession, audit: Audit, principal: UsersWrite) -> Response:
    """Forget a user's failed sign-ins, so their next attempt from any address need not wait."""
    user = await service.get_user(session, user_id)
    await service.unlock_user(session, audit, principal, user)
    return Response(status_code=204)


service_accounts = APIRouter(
    prefix=f"{PREFIX}/service-accounts",
    tags=["service accounts"],
    responses=problem_responses(NotAuthenticated, RoleNotAllowed),
)


@service_accounts.get("", response_model=Page[ServiceAccount], responses=problem_responses(BadRequest))
async def list_service_accounts(
    session: DbSession,
    _principal: UsersRead,
    active: Annotated[bool | None, Query(description="Only active (true) or deactivated (false) accounts")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[ServiceAccount]:
    """List service accounts by client id, paged (made and given new secrets by `haicap-gateway create-service-account`)."""
    return await keyset_page(
        session,
        repository.list_service_accounts(active=active),
        order_by=repository.SERVICE_ACCOUNT_LIST_ORDER,
        limit=limit,
        cursor=cursor,
        item=ServiceAccount,
    )


@service_accounts.get("/{account_id}", response_model=ServiceAccount, responses=problem_responses(service.ServiceAccountNotFound))
async def get_service_account(account_id: ServiceAccountId, session: DbSession, _principal: UsersRead) -> JSONResponse:
    """One service account by id (never its secret), with its ETag."""
    account = await service.get_service_account(session, account_id)
    return etag_response(ServiceAccount.model_validate(account))


@service_accounts.patch(
    "/{account_id}",
    response_model=ServiceAccount,
    responses=problem_responses(service.ServiceAccountNotFound, PreconditionFailed, PreconditionRequired),
)
async def update_service_account(
    account_id: ServiceAccountId,
    payload: ServiceAccountUpdate,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: UsersWrite,
) -> JSONResponse:
    """Change a service account's description or consuming system's code (its next tokens carry it). Requires If-Match."""
    account = await service.get_service_account(session, account_id)
    if_match.check(account.version)
    account = await service.update_service_account(session, audit, principal, account, payload)
    return etag_response(ServiceAccount.model_validate(account))
