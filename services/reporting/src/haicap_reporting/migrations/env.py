"""Alembic environment of reporting: only this service's metadata."""

from haicap_reporting.db import metadata
from haicap_shared.migrations import run_env

run_env(metadata)
