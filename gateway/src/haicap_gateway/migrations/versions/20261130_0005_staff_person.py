"""The role ``staff`` (a person reading their own dossier) and the person a staff user is.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# NOTE: the name 0001 gave; the metadata's naming convention prefixes it again (as it did in
# 0001), so the constraint is found and remade under the same name on every backend.
CONSTRAINT = "ck_user_account_role"
ROLES = ("admin", "province_officer", "agency_officer", "commune_officer", "auditor", "viewer", "service")


def _in(values: Sequence[str]) -> str:
    return f"role IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("person_id", sa.Uuid(), nullable=True))
        batch.drop_constraint(CONSTRAINT, type_="check")
        batch.create_check_constraint(CONSTRAINT, _in((*ROLES, "staff")))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM user_account WHERE role = 'staff'"))
    with op.batch_alter_table("user_account") as batch:
        batch.drop_constraint(CONSTRAINT, type_="check")
        batch.create_check_constraint(CONSTRAINT, _in(ROLES))
        batch.drop_column("person_id")
