"""Alembic environment of org-structure: only this service's metadata."""

from haicap_shared.migrations import run_env
from org_structure.db import metadata
from org_structure.units import models  # noqa: F401  (registers the tables)

run_env(metadata)
