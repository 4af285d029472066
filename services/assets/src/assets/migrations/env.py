"""Alembic environment of assets: only this service's metadata."""

from assets.tables import metadata
from haicap_shared.migrations import run_env

run_env(metadata)
