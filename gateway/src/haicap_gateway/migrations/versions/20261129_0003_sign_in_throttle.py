"""Failed sign-ins counted per user and address (`user_address`), for growing delays instead of a lock.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# NOTE: the name 0001 gave; the metadata's naming convention prefixes it again (as it did in
# 0001), so the constraint is found and remade under the same name on every backend.
CONSTRAINT = "ck_sign_in_failure_failure_kind"


def _in(values: Sequence[str]) -> str:
    return f"kind IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("sign_in_failure") as batch:
        batch.drop_constraint(CONSTRAINT, type_="check")
        batch.create_check_constraint(CONSTRAINT, _in(("username", "address", "user_address")))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM sign_in_failure WHERE kind = 'user_address'"))
    with op.batch_alter_table("sign_in_failure") as batch:
        batch.drop_constraint(CONSTRAINT, type_="check")
        batch.create_check_constraint(CONSTRAINT, _in(("username", "address")))
