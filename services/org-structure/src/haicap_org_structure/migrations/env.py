"""Alembic environment of org-structure: only this service's metadata."""

from haicap_org_structure.tables import metadata
from haicap_shared.migrations import run_env

run_env(metadata)
