"""assets's migrations: reversible, and in step with its metadata."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from assets.cli import MIGRATIONS
from assets.db import metadata
from haicap_shared.db import null_pool_engine
from haicap_shared.migrations import downgrade_to_base, upgrade_to_head

TABLES = {"alembic_version", "audit_event", "idempotency_key"}


def _schema(connection: Connection) -> tuple[set[str], list[object]]:
    differences = compare_metadata(MigrationContext.configure(connection), metadata)
    return set(inspect(connection).get_table_names()), differences


async def _inspect(url: str) -> tuple[set[str], list[object]]:
    engine = null_pool_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_schema)
    finally:
        await engine.dispose()


async def test_downgrade_to_base_and_upgrade_again(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'assets.db'}"
    await upgrade_to_head(MIGRATIONS, url)
    assert await _inspect(url) == (TABLES, [])

    await downgrade_to_base(MIGRATIONS, url)
    tables, _ = await _inspect(url)
    assert tables == {"alembic_version"}

    await upgrade_to_head(MIGRATIONS, url)
    assert await _inspect(url) == (TABLES, [])
