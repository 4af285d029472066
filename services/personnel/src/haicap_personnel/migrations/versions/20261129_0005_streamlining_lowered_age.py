"""Streamlining cases: the qualifying months for a lowered retirement age, and the basis used.

Cases calculated before keep their rule version and amounts; they get zero qualifying months
and the normal roadmap (Phụ lục I), which is what they were calculated with.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("streamlining_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("difficult_area_months", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("hazardous_job_months", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("retirement_age_basis", sa.String(length=20), server_default="appendix_i", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("streamlining_case", schema=None) as batch_op:
        batch_op.drop_column("retirement_age_basis")
        batch_op.drop_column("hazardous_job_months")
        batch_op.drop_column("difficult_area_months")
