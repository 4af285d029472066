"""Alembic environment of assets: only this service's metadata."""

from haicap_assets.tables import metadata
from haicap_shared.migrations import run_env

run_env(metadata)
