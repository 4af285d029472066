"""the infrastructure tables and the procedure dossiers' tables

Revision ID: 0001
Revises:
"""

from haicap_shared.migrations import (
    create_infrastructure_tables_v1,
    create_procedure_tables_v1,
    drop_infrastructure_tables_v1,
    drop_procedure_tables_v1,
    scope_idempotency_keys_v2,
    unscope_idempotency_keys_v2,
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_infrastructure_tables_v1()
    scope_idempotency_keys_v2()
    create_procedure_tables_v1()


def downgrade() -> None:
    drop_procedure_tables_v1()
    unscope_idempotency_keys_v2()
    drop_infrastructure_tables_v1()
