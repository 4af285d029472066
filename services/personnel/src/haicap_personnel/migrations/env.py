"""Alembic environment of personnel: only this service's metadata."""

from haicap_personnel.tables import metadata
from haicap_shared.migrations import run_env

run_env(metadata)
