"""The statistics' sessions read the replica when one is configured, the primary otherwise; pool sizes and JIT reach
the engine."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from haicap_shared.db import Database, DbReadSession, DbSession
from haicap_shared.settings import ServiceSettings
from haicap_shared.testing import postgres_admin_url
from haicap_shared.testing import test_backends as backends_under_test


async def _database_file(path: Path, figure: int) -> str:
    url = f"sqlite+aiosqlite:///{path}"
    database = Database(url)
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE figure (value INTEGER NOT NULL)"))
        await connection.execute(text("INSERT INTO figure (value) VALUES (:value)"), {"value": figure})
    await database.dispose()
    return url


def _app(database: Database, statement: str = "SELECT value FROM figure") -> FastAPI:
    """``/written`` and ``/stats`` answer what ``statement`` reads, in a read-write and a statistics' session."""
    app = FastAPI()
    app.state.database = database

    @app.get("/written")
    async def written(session: DbSession) -> Any:
        return (await session.execute(text(statement))).scalar_one()

    @app.get("/stats")
    async def stats(session: DbReadSession) -> Any:
        return (await session.execute(text(statement))).scalar_one()

    return app


@pytest.fixture
async def files(tmp_path: Path) -> tuple[str, str]:
    return await _database_file(tmp_path / "primary.db", 1), await _database_file(tmp_path / "replica.db", 2)


async def _get(database: Database, path: str) -> int:
    transport = httpx.ASGITransport(app=_app(database))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get(path)
    assert response.status_code == 200
    return int(response.json())


async def test_the_statistics_read_the_replica_when_one_is_set(files: tuple[str, str]) -> None:
    primary, replica = files
    database = Database(primary, read_url=replica)
    try:
        assert await _get(database, "/stats") == 2
        assert await _get(database, "/written") == 1
    finally:
        await database.dispose()


async def test_without_a_replica_the_statistics_read_the_primary(files: tuple[str, str]) -> None:
    primary, _ = files
    database = Database(primary)
    try:
        assert database.read_engine is database.engine
        assert await _get(database, "/stats") == 1
    finally:
        await database.dispose()


async def test_pool_sizes_reach_both_postgresql_engines() -> None:
    # NOTE: an engine connects on first use: building one needs no server
    database = Database(
        "postgresql+asyncpg://u@127.0.0.1:5432/primary",
        read_url="postgresql+asyncpg://u@127.0.0.1:5432/replica",
        pool_size=20,
        max_overflow=7,
    )
    try:
        for engine in (database.engine, database.read_engine):
            assert engine.pool.size() == 20  # type: ignore[attr-defined]
            assert engine.pool._max_overflow == 7  # type: ignore[attr-defined]
        assert database.read_engine.url.database == "replica"
    finally:
        await database.dispose()


def test_the_settings_take_the_replica_url_in_the_plain_form(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAICAP_DATABASE_READ_URL", "postgresql://reader@replica:5432/haicap_org")
    monkeypatch.setenv("HAICAP_DATABASE_POOL_SIZE", "12")
    settings = ServiceSettings()
    assert settings.resolved_read_url() == "postgresql+asyncpg://reader@replica:5432/haicap_org"
    assert settings.database_pool_size == 12
    assert settings.database_max_overflow == 10
    assert settings.database_jit is False
    monkeypatch.delenv("HAICAP_DATABASE_READ_URL")
    assert ServiceSettings().resolved_read_url() is None


async def _jit_setting(engine: AsyncEngine) -> tuple[str, str]:
    """The connection's ``jit`` and where it came from (``client``: the connection asked for it)."""
    async with engine.connect() as connection:
        row = (await connection.execute(text("SELECT setting, source FROM pg_settings WHERE name = 'jit'"))).one()
    return str(row.setting), str(row.source)


@pytest.mark.skipif("postgresql" not in backends_under_test(), reason="PostgreSQL is not among HAICAP_TEST_BACKENDS")
async def test_postgresql_jit_is_off_unless_asked_for() -> None:
    url = postgres_admin_url().replace("postgresql://", "postgresql+asyncpg://")
    asked, default = Database(url, read_url=url, jit=True), Database(url, read_url=url)
    try:
        for engine in (default.engine, default.read_engine):
            assert await _jit_setting(engine) == ("off", "client")
        # NOTE: asked for, the server's own setting holds (on, unless its configuration says otherwise)
        for engine in (asked.engine, asked.read_engine):
            assert (await _jit_setting(engine))[1] != "client"
    finally:
        await asked.dispose()
        await default.dispose()


async def _workers(database: Database, path: str, **params: str) -> str:
    transport = httpx.ASGITransport(app=_app(database, "SHOW max_parallel_workers_per_gather"))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return str(response.json())


@pytest.mark.skipif("postgresql" not in backends_under_test(), reason="PostgreSQL is not among HAICAP_TEST_BACKENDS")
async def test_a_statistic_of_one_area_is_planned_without_parallel_workers() -> None:
    url = postgres_admin_url().replace("postgresql://", "postgresql+asyncpg://")
    # NOTE: one connection, so that each request after the first reuses the one the first one set
    default, asked = Database(url, pool_size=1, max_overflow=0), Database(url, parallel_for_one_area=True)
    try:
        server_s = await _workers(default, "/stats")
        assert server_s != "0", "the server's own setting: this test needs parallel workers allowed"
        assert await _workers(default, "/stats", province="04") == "0"
        assert await _workers(default, "/stats", commune="01273") == "0"
        # NOTE: SET LOCAL: the next statistic, on the same connection, has the server's setting again
        assert await _workers(default, "/stats", as_of="2026-04-15") == server_s
        assert await _workers(default, "/written", province="04") == server_s
        assert await _workers(asked, "/stats", province="04") == server_s
    finally:
        await default.dispose()
        await asked.dispose()


async def test_on_sqlite_a_statistic_of_one_area_reads_as_any_other(files: tuple[str, str]) -> None:
    primary, _ = files
    database = Database(primary)
    try:
        assert not database.serial_plans_for_one_area
        assert await _get(database, "/stats?province=04") == 1
    finally:
        await database.dispose()
