"""Backups as deploy/README.md describes them: pg_dump in custom format, pg_restore into an empty database.

The four databases (every process's but reporting's, which has none) are made as a deployment
makes them (each process's ``migrate``, Cao Bằng's units imported into org-structure, the demo
users and the reporting account at the gateway); each is dumped, restored into a new database,
and compared table by table (row counts, and the
Alembic revision). Everything runs on the PostgreSQL the tests use; the databases are dropped
at the end.
"""

import asyncio
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from haicap_shared import testing as shared_testing

from .stack_support import GATEWAY, SERVICES, Stack

pytestmark = [
    pytest.mark.processes,
    pytest.mark.skipif("postgresql" not in shared_testing.test_backends(), reason="HAICAP_TEST_BACKENDS leaves PostgreSQL out"),
]
WITH_DATABASE = [spec for spec in (*SERVICES, GATEWAY) if spec.database]


def plain_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed (the PostgreSQL client tools: apt-get install postgresql-client)")
    return found


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Each process's database, migrated and loaded as `make run` loads them."""
    made: dict[str, str] = {}
    try:
        for spec in WITH_DATABASE:
            made[spec.name] = asyncio.run(shared_testing.create_postgres_database(f"haicap_backup_{spec.name.replace('-', '_')}"))
        env = {key: value for key, value in os.environ.items() if not key.startswith("HAICAP_")}
        for spec in WITH_DATABASE:
            env[f"{spec.env_prefix}DATABASE_URL"] = plain_url(made[spec.name])
        with Stack(env, tmp_path_factory.mktemp("backup")) as stack:
            stack.prepare(province="04")
        yield made
    finally:
        for url in made.values():
            asyncio.run(shared_testing.drop_postgres_database(url))


async def table_counts(url: str) -> dict[str, int]:
    """Rows per table of the public schema, and the Alembic revision as ``alembic_version=<rev>``."""
    connection = await asyncpg.connect(plain_url(url))
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version' ORDER BY tablename"
        )
        counts = {}
        for row in tables:
            name = row["tablename"]
            counts[name] = int(await connection.fetchval(f'SELECT count(*) FROM public."{name}"'))
        revision = await connection.fetchval("SELECT version_num FROM alembic_version")
        counts[f"alembic_version={revision}"] = 1
    finally:
        await connection.close()
    return counts


@pytest.mark.parametrize("name", [spec.name for spec in WITH_DATABASE])
def test_a_database_dumped_and_restored_has_the_same_rows(databases: dict[str, str], name: str, tmp_path: Path) -> None:
    source = databases[name]
    dump = tmp_path / f"{name}.dump"
    subprocess.run([tool("pg_dump"), "--format=custom", f"--file={dump}", plain_url(source)], check=True, timeout=300)
    assert dump.stat().st_size > 0

    restored = asyncio.run(shared_testing.create_postgres_database(f"haicap_restored_{name.replace('-', '_')}"))
    try:
        subprocess.run(
            [tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={plain_url(restored)}", str(dump)],
            check=True,
            timeout=300,
        )
        before, after = asyncio.run(table_counts(source)), asyncio.run(table_counts(restored))
    finally:
        asyncio.run(shared_testing.drop_postgres_database(restored))

    assert after == before
    assert "audit_event" in before
    if name == "org-structure":
        # NOTE: Cao Bằng's former and current units and their changes were there to be restored.
        assert before["administrative_unit"] > 56
    if name == "gateway":
        # NOTE: the demo users (one per role people hold) and the reporting, assets, personnel and
        # org-structure accounts.
        assert (before["user_account"], before["service_account"]) == (6, 4)
