"""org-structure's migrations: reversible, and in step with its models."""

from pathlib import Path

from haicap_org_structure.cli import MIGRATIONS
from haicap_org_structure.tables import metadata
from haicap_shared.testing import assert_migrations_match


async def test_migrations_build_what_the_models_say(tmp_path: Path) -> None:
    await assert_migrations_match(MIGRATIONS, metadata, tmp_path)
