"""Every query on users, service accounts, refresh tokens, revocations and failed sign-ins."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.filters import where_given

from .models import (
    FailureKind,
    RefreshToken,
    RevokedToken,
    ServiceAccount,
    SignInFailure,
    User,
    service_account_table,
    user_table,
)

USER_LIST_ORDER = (user_table.c.username_key, user_table.c.id)
SERVICE_ACCOUNT_LIST_ORDER = (service_account_table.c.client_id, service_account_table.c.id)


def username_key(username: str) -> str:
    return username.casefold()


def list_users(*, role: str | None, active: bool | None) -> Select[Any]:
    return where_given(select(user_table), (user_table.c.role, role), (user_table.c.is_active, active))


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def user_by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username_key == username_key(username)))


async def add(session: AsyncSession, entity: User | ServiceAccount) -> None:
    session.add(entity)
    await session.flush()


async def flush(session: AsyncSession) -> None:
    await session.flush()


def list_service_accounts(*, active: bool | None) -> Select[Any]:
    return where_given(select(service_account_table), (service_account_table.c.is_active, active))


async def get_service_account(session: AsyncSession, account_id: uuid.UUID) -> ServiceAccount | None:
    return await session.get(ServiceAccount, account_id)


async def service_account_by_client_id(session: AsyncSession, client_id: str) -> ServiceAccount | None:
    return await session.scalar(select(ServiceAccount).where(ServiceAccount.client_id == client_id))


async def add_refresh_token(session: AsyncSession, token: RefreshToken) -> None:
    session.add(token)
    await session.flush()


async def refresh_token_by_hash(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    return await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update())


async def mark_used(session: AsyncSession, token_id: uuid.UUID, now: datetime) -> bool:
    """Mark a refresh token used; False if another request used it first (a race is a reuse)."""
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None), RefreshToken.revoked_at.is_(None))
        .values(used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def revoke_families(
    session: AsyncSession, now: datetime, *, family_id: uuid.UUID | None = None, user_id: uuid.UUID | None = None
) -> list[tuple[str, datetime]]:
    """Revoke every refresh token of a family (or of a user); return their unexpired access tokens."""
    condition = RefreshToken.family_id == family_id if family_id is not None else RefreshToken.user_id == user_id
    access = (
        await session.execute(
            select(RefreshToken.access_token_id, RefreshToken.access_expires_at).where(
                condition, RefreshToken.access_expires_at > now
            )
        )
    ).all()
    await session.execute(update(RefreshToken).where(condition, RefreshToken.revoked_at.is_(None)).values(revoked_at=now))
    return [(token_id, expires_at) for token_id, expires_at in access]


async def revoke_access_tokens(session: AsyncSession, tokens: Sequence[tuple[str, datetime]], now: datetime) -> None:
    """Record access tokens as revoked (once each), and forget revocations that have expired."""
    await session.execute(delete(RevokedToken).where(RevokedToken.expires_at <= now))
    known = set()
    if tokens:
        ids = [token_id for token_id, _ in tokens]
        known = set((await session.scalars(select(RevokedToken.token_id).where(RevokedToken.token_id.in_(ids)))).all())
    rows = [
        {"token_id": token_id, "expires_at": expires_at, "revoked_at": now}
        for token_id, expires_at in dict(tokens).items()
        if token_id not in known and expires_at > now
    ]
    if rows:
        await session.execute(insert(RevokedToken), rows)


async def revoked_token_ids(session: AsyncSession, now: datetime) -> set[str]:
    """The access tokens revoked and not yet expired (read into memory every few seconds)."""
    return set((await session.scalars(select(RevokedToken.token_id).where(RevokedToken.expires_at > now))).all())


async def failure_times(
    session: AsyncSession, kind: FailureKind, key: str, since: datetime
) -> tuple[int, datetime | None, datetime | None]:
    """How many failures of ``key`` since ``since``, and when the oldest and the latest of them were."""
    count, oldest, latest = (
        await session.execute(
            select(func.count(), func.min(SignInFailure.occurred_at), func.max(SignInFailure.occurred_at)).where(
                SignInFailure.kind == kind, SignInFailure.key == key, SignInFailure.occurred_at > since
            )
        )
    ).one()
    return int(count), oldest, latest


async def clear_failures_of_user(session: AsyncSession, name_key: str) -> int:
    """Forget every failed sign-in of a username (at any address); how many there were."""
    result = await session.execute(
        delete(SignInFailure).where(
            SignInFailure.kind == FailureKind.USER_ADDRESS,
            SignInFailure.key.startswith(f"{name_key} ", autoescape=True),
        )
    )
    username = await session.execute(
        delete(SignInFailure).where(SignInFailure.kind == FailureKind.USERNAME, SignInFailure.key == name_key)
    )
    return int(getattr(result, "rowcount", 0) or 0) + int(getattr(username, "rowcount", 0) or 0)


async def add_failures(session: AsyncSession, keys: Sequence[tuple[FailureKind, str]], now: datetime) -> None:
    await session.execute(insert(SignInFailure), [{"kind": kind, "key": key, "occurred_at": now} for kind, key in keys])


async def clear_failures(session: AsyncSession, kind: FailureKind, key: str) -> None:
    await session.execute(delete(SignInFailure).where(SignInFailure.kind == kind, SignInFailure.key == key))


async def forget_failures_before(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(SignInFailure).where(SignInFailure.occurred_at <= before))
