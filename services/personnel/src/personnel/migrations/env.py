"""Alembic environment of personnel: only this service's metadata."""

from haicap_shared.migrations import run_env
from personnel.tables import metadata

run_env(metadata)
