"""The gateway with its database, per backend, inside each test's rolled-back transaction."""

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from haicap_gateway.cli import MIGRATIONS
from haicap_shared.testing import ServiceMigrations, TestTokens

PASSWORD = "mat-khau-dung-1"
SignIn = Callable[..., Awaitable[httpx.Response]]


@pytest.fixture(scope="session")
def service_migrations() -> ServiceMigrations:
    return ServiceMigrations("gateway", Path(MIGRATIONS))


@pytest_asyncio.fixture
async def gateway(make_gateway, fake, db_url: str, db_connection: AsyncConnection) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway on the test's backend; requests carry no token unless they bring one."""
    async with make_gateway(fake, connection=db_connection, database_url=db_url) as client:
        yield client


@pytest_asyncio.fixture
async def session(db_connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(bind=db_connection, expire_on_commit=False, join_transaction_mode="create_savepoint") as s:
        yield s


@pytest.fixture
def admin(test_tokens: TestTokens) -> dict[str, str]:
    return test_tokens.headers(username="test-admin")


@pytest.fixture
def new_user(gateway: httpx.AsyncClient, admin: dict[str, str]) -> Callable[..., Awaitable[dict]]:
    """Create a user through the API (as an admin) and return it."""

    async def create(username: str = "nguyen.van.a", password: str = PASSWORD, **fields: object) -> dict:
        body = {
            "username": username,
            "display_name": "Nguyễn Văn A",
            "password": password,
            "role": "viewer",
            "area": {"province": "04"},
        } | fields
        response = await gateway.post("/api/v1/auth/users", json=body, headers=admin)
        assert response.status_code == 201, response.text
        return response.json()

    return create


@pytest.fixture
def sign_in(gateway: httpx.AsyncClient) -> SignIn:
    async def post(username: str = "nguyen.van.a", password: str = PASSWORD, **form: str) -> httpx.Response:
        data = {"grant_type": "password", "username": username, "password": password} | form
        return await gateway.post("/api/v1/auth/token", data=data)

    return post
