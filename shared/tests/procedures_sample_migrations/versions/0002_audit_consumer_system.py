"""the audit log's consuming system

Revision ID: 0002
Revises: 0001
"""

from haicap_shared.migrations import add_audit_consumer_system_v1, drop_audit_consumer_system_v1

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_audit_consumer_system_v1()


def downgrade() -> None:
    drop_audit_consumer_system_v1()
