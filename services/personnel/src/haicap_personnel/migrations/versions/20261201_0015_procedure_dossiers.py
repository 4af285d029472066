"""Administrative-procedure dossiers (haicap_shared.procedures): dossiers, their steps and their push to the one-stop system.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from haicap_shared.migrations import create_procedure_tables_v1, drop_procedure_tables_v1

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_procedure_tables_v1()


def downgrade() -> None:
    drop_procedure_tables_v1()
