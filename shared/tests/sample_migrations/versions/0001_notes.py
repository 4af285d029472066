"""notes

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import create_infrastructure_tables_v1, drop_infrastructure_tables_v1, entity_columns_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_infrastructure_tables_v1()
    op.create_table(
        "note",
        sa.Column("text", sa.String(200), nullable=False),
        *entity_columns_v1(),
        sa.PrimaryKeyConstraint("id", name="pk_note"),
    )


def downgrade() -> None:
    op.drop_table("note")
    drop_infrastructure_tables_v1()
