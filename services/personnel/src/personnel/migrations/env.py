"""Alembic environment of personnel: only this service's metadata."""

from haicap_shared.migrations import run_env
from personnel.db import metadata

run_env(metadata)
