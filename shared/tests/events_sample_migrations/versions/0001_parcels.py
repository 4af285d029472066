"""parcels and surveys, with the change feed's tables

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import (
    create_event_tables_v1,
    create_infrastructure_tables_v1,
    drop_event_tables_v1,
    drop_infrastructure_tables_v1,
    entity_columns_v1,
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
    create_event_tables_v1()
    op.create_table(
        "parcel",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owner_name", sa.String(200), nullable=True),
        sa.Column("area_m2", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(2), nullable=True),
        sa.Column("commune_code", sa.String(5), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        *entity_columns_v1(),
        sa.PrimaryKeyConstraint("id", name="pk_parcel"),
    )
    op.create_table(
        "survey",
        sa.Column("parcel_id", sa.Uuid(), nullable=False),
        sa.Column("result", sa.String(200), nullable=False),
        sa.Column("province_code", sa.String(2), nullable=True),
        sa.Column("commune_code", sa.String(5), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        *entity_columns_v1(),
        sa.PrimaryKeyConstraint("id", name="pk_survey"),
    )


def downgrade() -> None:
    op.drop_table("survey")
    op.drop_table("parcel")
    drop_event_tables_v1()
    unscope_idempotency_keys_v2()
    drop_infrastructure_tables_v1()
