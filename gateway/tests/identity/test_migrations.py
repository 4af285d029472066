"""The gateway's migrations: reversible, and in step with its models."""

from pathlib import Path

from haicap_gateway.cli import MIGRATIONS
from haicap_gateway.db import metadata
from haicap_gateway.identity import models  # noqa: F401  (registers the tables)
from haicap_shared.testing import assert_migrations_match


async def test_migrations_build_what_the_models_say(tmp_path: Path) -> None:
    await assert_migrations_match(MIGRATIONS, metadata, tmp_path)
