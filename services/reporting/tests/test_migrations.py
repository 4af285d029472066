"""reporting's migrations: reversible, and in step with its metadata."""

from pathlib import Path

from haicap_reporting.cli import MIGRATIONS
from haicap_reporting.db import metadata
from haicap_shared.testing import assert_migrations_match


async def test_migrations_build_what_the_models_say(tmp_path: Path) -> None:
    await assert_migrations_match(MIGRATIONS, metadata, tmp_path)
