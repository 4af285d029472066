"""haicap's pytest plugin (loaded through the ``pytest11`` entry point).

Every database test runs once on SQLite and once on PostgreSQL (``db_backend``). Each
service's test database is created fresh per run (a temporary SQLite file, or a new
PostgreSQL database that is dropped at the end), migrated once with the service's own
Alembic history, and every test runs inside a transaction that is rolled back, so tests
see exactly the rows they made.

A service's ``conftest.py`` provides two fixtures: ``service_migrations`` (its name and
migrations folder) and ``service_app`` (its app, from the factory, given ``db_url``).

PostgreSQL is reached at ``HAICAP_TEST_POSTGRES_URL`` (default: postgres on
127.0.0.1:5432). When it cannot be reached the tests fail: they never skip silently.
``HAICAP_TEST_BACKENDS=sqlite`` limits a local run to SQLite on purpose.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import FastAPI
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .db import create_engine, null_pool_engine
from .migrations import downgrade_to_base, upgrade_to_head
from .roles import Area, Role
from .tokens import TokenIssuer, generate_private_key, jwks

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def test_backends() -> list[str]:
    return [b.strip() for b in os.environ.get("HAICAP_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()]


def postgres_admin_url() -> str:
    return os.environ.get("HAICAP_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL).replace("postgresql+asyncpg://", "postgresql://")


@dataclass(frozen=True)
class ServiceMigrations:
    service: str
    script_location: Path


async def create_postgres_database(prefix: str) -> str:
    """Create an empty database and return its asyncpg URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin_url = postgres_admin_url()
    try:
        connection = await asyncpg.connect(admin_url, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise RuntimeError(
            f"PostgreSQL is not reachable at {admin_url} ({exc}). Start it "
            "(.ci/run does) or set HAICAP_TEST_BACKENDS=sqlite to run on SQLite only."
        ) from exc
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    base = admin_url.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"


async def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    connection = await asyncpg.connect(postgres_admin_url(), timeout=10)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@dataclass
class DatabaseRegistry:
    """The migrated test databases of this run, one per service and backend."""

    tmp_dir: Path
    urls: dict[tuple[str, str], str] = field(default_factory=dict)
    engines: dict[tuple[str, str], AsyncEngine] = field(default_factory=dict)

    async def url_for(self, migrations: ServiceMigrations, backend: str) -> str:
        key = (migrations.service, backend)
        if key not in self.urls:
            if backend == "sqlite":
                url = f"sqlite+aiosqlite:///{self.tmp_dir / f'{migrations.service}-{uuid.uuid4().hex[:8]}.db'}"
            elif backend == "postgresql":
                url = await create_postgres_database(f"haicap_test_{migrations.service.replace('-', '_')}")
            else:
                raise ValueError(f"unknown test backend {backend!r}")
            self.urls[key] = url
            await upgrade_to_head(migrations.script_location, url)
        return self.urls[key]

    async def engine_for(self, migrations: ServiceMigrations, backend: str) -> AsyncEngine:
        key = (migrations.service, backend)
        if key not in self.engines:
            self.engines[key] = create_engine(await self.url_for(migrations, backend))
        return self.engines[key]

    async def close(self) -> None:
        for engine in self.engines.values():
            await engine.dispose()
        for (_, backend), url in self.urls.items():
            if backend == "postgresql":
                await drop_postgres_database(url)


NO_AUTH = {"Authorization": ""}
"""Headers for a request without a token."""


@dataclass
class TestTokens:
    """A signing key for the test run and tokens for any role and area."""

    __test__ = False  # NOTE: a fixture's type, not a test class

    issuer: TokenIssuer
    jwks_json: str

    def headers(
        self,
        role: Role = Role.ADMIN,
        *,
        province: str | None = None,
        commune: str | None = None,
        agency: str | None = None,
        username: str | None = None,
        subject: str | None = None,
        ttl_seconds: int = 600,
    ) -> dict[str, str]:
        token, _ = self.issuer.issue(
            subject=subject or f"test-{role.value}",
            username=username or f"test-{role.value}",
            role=role,
            area=Area(province=province, commune=commune, agency=agency),
            ttl_seconds=ttl_seconds,
        )
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def test_tokens() -> TestTokens:
    """Tokens signed with a key made for this run; services trust it through ``jwks``."""
    key = generate_private_key()
    return TestTokens(TokenIssuer(key), json.dumps(jwks(key.public_key())))


@pytest.fixture(scope="session", params=test_backends())
def db_backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql``: every database test runs on both."""
    return str(request.param)


@pytest_asyncio.fixture(scope="session")
async def database_registry(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DatabaseRegistry]:
    registry = DatabaseRegistry(tmp_path_factory.mktemp("databases"))
    yield registry
    await registry.close()


@pytest_asyncio.fixture
async def db_url(database_registry: DatabaseRegistry, service_migrations: ServiceMigrations, db_backend: str) -> str:
    return await database_registry.url_for(service_migrations, db_backend)


@pytest_asyncio.fixture
async def db_connection(
    database_registry: DatabaseRegistry, service_migrations: ServiceMigrations, db_backend: str
) -> AsyncIterator[AsyncConnection]:
    """A connection inside a transaction that is rolled back after the test."""
    engine = await database_registry.engine_for(service_migrations, db_backend)
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest_asyncio.fixture
async def client(
    service_app: FastAPI, db_connection: AsyncConnection, test_tokens: TestTokens
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the service app, under its lifespan, on the test transaction.

    It signs in as ``admin`` unless a request brings its own ``Authorization`` header
    (``test_tokens.headers(role, ...)``, or :data:`NO_AUTH` for none).
    """
    async with service_app.router.lifespan_context(service_app):
        if hasattr(service_app.state, "database"):
            service_app.state.database.bind_to(db_connection)
        transport = httpx.ASGITransport(app=service_app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=test_tokens.headers()
        ) as http_client:
            yield http_client


async def assert_migrations_match(script_location: Path, metadata: MetaData, tmp_path: Path) -> None:
    """Check that a service's migrations go down and up again and build what its models say."""

    def differences(connection: Connection) -> tuple[set[str], list[Any]]:
        found = set(inspect(connection).get_table_names())
        return found, compare_metadata(MigrationContext.configure(connection), metadata)

    async def schema(url: str) -> tuple[set[str], list[Any]]:
        engine = null_pool_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(differences)
        finally:
            await engine.dispose()

    url = f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    expected = {*metadata.tables, "alembic_version"}
    await upgrade_to_head(script_location, url)
    assert await schema(url) == (expected, [])
    await downgrade_to_base(script_location, url)
    assert (await schema(url))[0] == {"alembic_version"}
    await upgrade_to_head(script_location, url)
    assert await schema(url) == (expected, [])


async def assert_service_plumbing(client: httpx.AsyncClient, service: str) -> None:
    """What every service serves the same way: liveness, readiness, an empty audit log, 404 as a problem."""
    health = await client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "service": service}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "service": service}
    audit = await client.get("/audit-events")
    assert audit.status_code == 200
    assert audit.json() == {"items": [], "next": None}
    body = assert_problem(await client.get("/no-such-thing"), 404, "not_found")
    assert body["instance"] == "/no-such-thing"


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Check that ``response`` is a problem+json body with this status and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code, body
    return body
