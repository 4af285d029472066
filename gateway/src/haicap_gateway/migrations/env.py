"""Alembic environment of the gateway: only the gateway's metadata."""

from haicap_gateway.db import metadata
from haicap_gateway.identity import models  # noqa: F401  (registers the tables)
from haicap_shared.migrations import run_env

run_env(metadata)
