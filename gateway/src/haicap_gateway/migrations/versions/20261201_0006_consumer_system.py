"""The consuming system a service account stands for, and in the audit log (haicap_shared.consumers).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import add_audit_consumer_system_v1, drop_audit_consumer_system_v1

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_account") as batch:
        batch.add_column(sa.Column("system_code", sa.String(100), nullable=True))
    add_audit_consumer_system_v1()


def downgrade() -> None:
    drop_audit_consumer_system_v1()
    with op.batch_alter_table("service_account") as batch:
        batch.drop_column("system_code")
