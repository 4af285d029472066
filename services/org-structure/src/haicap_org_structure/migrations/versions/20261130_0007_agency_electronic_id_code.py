"""Agencies' electronic identifier code (mã định danh điện tử, Decision 20/2020/QĐ-TTg).

An optional ``000.00.00.H14``-shaped code on each agency, indexed for the list's filter. On
PostgreSQL an exclusion constraint refuses two agencies holding one code on a shared day (as
units' codes are kept), so two concurrent writers cannot slip past the service's own check.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agency") as batch:
        batch.add_column(sa.Column("electronic_id_code", sa.String(13), nullable=True))
    op.create_index("ix_agency_electronic_id_code", "agency", ["electronic_id_code"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE agency ADD CONSTRAINT ex_agency_electronic_id_code_validity "
            "EXCLUDE USING gist (electronic_id_code WITH =, daterange(valid_from, valid_to, '[]') WITH &&) "
            "WHERE (electronic_id_code IS NOT NULL)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE agency DROP CONSTRAINT ex_agency_electronic_id_code_validity")
    op.drop_index("ix_agency_electronic_id_code", table_name="agency")
    with op.batch_alter_table("agency") as batch:
        batch.drop_column("electronic_id_code")
