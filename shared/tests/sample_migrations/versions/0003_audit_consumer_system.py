"""the audit log's consuming system

Revision ID: 0003
Revises: 0002
"""

from haicap_shared.migrations import add_audit_consumer_system_v1, drop_audit_consumer_system_v1

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_audit_consumer_system_v1()


def downgrade() -> None:
    drop_audit_consumer_system_v1()
