"""The consuming system of a service account's change in the audit log (haicap_shared.consumers).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from haicap_shared.migrations import add_audit_consumer_system_v1, drop_audit_consumer_system_v1

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_audit_consumer_system_v1()


def downgrade() -> None:
    drop_audit_consumer_system_v1()
