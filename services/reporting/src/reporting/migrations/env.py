"""Alembic environment of reporting: only this service's metadata."""

from haicap_shared.migrations import run_env
from reporting.db import metadata

run_env(metadata)
