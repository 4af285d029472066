"""Alembic environment of org-structure: only this service's metadata."""

from haicap_shared.migrations import run_env
from org_structure.tables import metadata

run_env(metadata)
