"""Failed sign-ins slow down one address for one user, with growing delays; nobody can lock a user out.

Until issue 12, five wrong passwords locked the account for 15 minutes, even for the right
password from anywhere: anyone who knew a username could lock its owner out.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

PASSWORD = "mat-khau-dung-1"
USER = "tran.thi.b"
FREE = 3
DELAY = 60
MAX_DELAY = 200
Attempt = Callable[[str, str], Awaitable[httpx.Response]]


@asynccontextmanager
async def _two_addresses(
    make_gateway, fake, db_url: str, db_connection: AsyncConnection, test_tokens: TestTokens
) -> AsyncIterator[tuple[httpx.AsyncClient, Attempt]]:
    """The gateway (as an admin would call it), and a sign-in from a given client address."""
    async with make_gateway(
        fake,
        connection=db_connection,
        database_url=db_url,
        sign_in_free_failures=FREE,
        sign_in_delay_seconds=DELAY,
        sign_in_max_delay_seconds=MAX_DELAY,
        sign_in_max_failures_per_address=100,
    ) as gateway:
        body = {"username": USER, "display_name": "B", "password": PASSWORD, "role": "viewer", "area": {"province": "04"}}
        created = await gateway.post("/api/v1/auth/users", json=body, headers=test_tokens.headers())
        assert created.status_code == 201, created.text
        app = gateway._transport.app  # type: ignore[attr-defined]
        clients: dict[str, httpx.AsyncClient] = {}

        async def attempt(address: str, password: str) -> httpx.Response:
            if address not in clients:
                transport = httpx.ASGITransport(app=app, client=(address, 40000))
                clients[address] = httpx.AsyncClient(transport=transport, base_url="http://gateway.test")
            form = {"grant_type": "password", "username": USER, "password": password}
            return await clients[address].post("/api/v1/auth/token", data=form)

        try:
            yield gateway, attempt
        finally:
            for client in clients.values():
                await client.aclose()


async def _age_failures(db_connection: AsyncConnection, seconds: int) -> None:
    """Move every recorded failure ``seconds`` into the past (as if that time had gone by)."""
    rows = (await db_connection.execute(text("SELECT id, occurred_at FROM sign_in_failure"))).all()
    for row_id, occurred_at in rows:
        moved = occurred_at - timedelta(seconds=seconds) if not isinstance(occurred_at, str) else None
        if moved is None:
            await db_connection.execute(
                text("UPDATE sign_in_failure SET occurred_at = datetime(occurred_at, :shift) WHERE id = :id"),
                {"shift": f"-{seconds} seconds", "id": row_id},
            )
        else:
            await db_connection.execute(
                text("UPDATE sign_in_failure SET occurred_at = :at WHERE id = :id"), {"at": moved, "id": row_id}
            )


def _retry_after(response: httpx.Response) -> int:
    body = assert_problem(response, 429, "too_many_attempts")
    assert body["retry_after"] == int(response.headers["retry-after"])
    return int(response.headers["retry-after"])


async def test_failures_slow_down_their_address_only_and_the_right_password_gets_in_elsewhere(
    make_gateway, fake, db_url, db_connection, test_tokens
) -> None:
    async with _two_addresses(make_gateway, fake, db_url, db_connection, test_tokens) as (_, attempt):
        for _ in range(FREE):
            assert_problem(await attempt("198.51.100.7", "wrong-password-1"), 401, "invalid_credentials")
        # NOTE: from the guessing address, even the right password waits now...
        assert DELAY - 2 <= _retry_after(await attempt("198.51.100.7", PASSWORD)) <= DELAY
        # ... while the user, from their own address, signs in at once.
        assert (await attempt("203.0.113.20", PASSWORD)).status_code == 200
        assert (await attempt("203.0.113.20", PASSWORD)).status_code == 200


async def test_each_further_failure_doubles_the_wait_up_to_the_cap(
    make_gateway, fake, db_url, db_connection, test_tokens
) -> None:
    async with _two_addresses(make_gateway, fake, db_url, db_connection, test_tokens) as (_, attempt):
        for _ in range(FREE):
            await attempt("198.51.100.7", "wrong-password-1")
        waits = [_retry_after(await attempt("198.51.100.7", "wrong-password-1"))]
        for _ in range(3):
            await _age_failures(db_connection, waits[-1] + 1)
            assert_problem(await attempt("198.51.100.7", "wrong-password-1"), 401, "invalid_credentials")
            waits.append(_retry_after(await attempt("198.51.100.7", PASSWORD)))
        assert waits == [pytest.approx(w, abs=2) for w in (DELAY, 2 * DELAY, MAX_DELAY, MAX_DELAY)]


async def test_a_success_forgets_the_failures_of_its_address(make_gateway, fake, db_url, db_connection, test_tokens) -> None:
    async with _two_addresses(make_gateway, fake, db_url, db_connection, test_tokens) as (_, attempt):
        for _ in range(FREE - 1):
            await attempt("198.51.100.7", "wrong-password-1")
        assert (await attempt("198.51.100.7", PASSWORD)).status_code == 200
        for _ in range(FREE - 1):
            assert_problem(await attempt("198.51.100.7", "wrong-password-1"), 401, "invalid_credentials")
        assert (await attempt("198.51.100.7", PASSWORD)).status_code == 200


async def test_an_admin_unlocks_a_user_and_it_is_audited(make_gateway, fake, db_url, db_connection, test_tokens) -> None:
    async with _two_addresses(make_gateway, fake, db_url, db_connection, test_tokens) as (gateway, attempt):
        for _ in range(FREE):
            await attempt("198.51.100.7", "wrong-password-1")
        assert (await attempt("198.51.100.7", PASSWORD)).status_code == 429
        [user] = (await gateway.get("/api/v1/auth/users", headers=test_tokens.headers())).json()["items"]
        url = f"/api/v1/auth/users/{user['id']}/unlock"
        for role in (Role.PROVINCE_OFFICER, Role.AUDITOR, Role.VIEWER):
            headers = test_tokens.headers(role, province="04" if role is not Role.AUDITOR else None)
            assert_problem(await gateway.post(url, headers=headers), 403, "role_not_allowed")
        assert (await attempt("198.51.100.7", PASSWORD)).status_code == 429
        assert (await gateway.post(url, headers=test_tokens.headers(username="test-admin"))).status_code == 204
        assert (await attempt("198.51.100.7", PASSWORD)).status_code == 200
        events = (await gateway.get("/audit-events", params={"entity_id": user["id"]}, headers=test_tokens.headers())).json()
        unlock = next(e for e in events["items"] if e["action"] == "unlock")
        assert (unlock["actor"], unlock["before"]["failed_sign_ins"], unlock["after"]["failed_sign_ins"]) == (
            "test-admin",
            FREE,
            0,
        )
        assert unlock["after"]["username"] == user["username"]
        no_one = "/api/v1/auth/users/00000000-0000-0000-0000-000000000000/unlock"
        assert_problem(await gateway.post(no_one, headers=test_tokens.headers()), 404, "user_not_found")
