"""Users, service accounts, refresh tokens, revoked access tokens, failed sign-ins; audit and idempotency.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import create_infrastructure_tables_v1, drop_infrastructure_tables_v1, entity_columns_v1

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ("admin", "province_officer", "agency_officer", "commune_officer", "auditor", "viewer", "service")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    create_infrastructure_tables_v1()
    op.create_table(
        "user_account",
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("username_key", sa.String(100), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(500), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("province_code", sa.String(2), nullable=True),
        sa.Column("commune_code", sa.String(5), nullable=True),
        sa.Column("agency_id", sa.String(100), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        *entity_columns_v1(),
        sa.PrimaryKeyConstraint("id", name="pk_user_account"),
        sa.UniqueConstraint("username_key", name="uq_user_account_username_key"),
        sa.CheckConstraint(_in("role", ROLES), name="ck_user_account_role"),
    )
    op.create_index("ix_user_account_username_key_id", "user_account", ["username_key", "id"])

    op.create_table(
        "service_account",
        sa.Column("client_id", sa.String(100), nullable=False),
        sa.Column("secret_hash", sa.String(500), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        *entity_columns_v1(),
        sa.PrimaryKeyConstraint("id", name="pk_service_account"),
        sa.UniqueConstraint("client_id", name="uq_service_account_client_id"),
    )

    op.create_table(
        "refresh_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("access_token_id", sa.String(64), nullable=False),
        sa.Column("access_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_refresh_token"),
        sa.UniqueConstraint("token_hash", name="uq_refresh_token_token_hash"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name="fk_refresh_token_user_id_user_account", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_refresh_token_family_id", "refresh_token", ["family_id"])
    op.create_index("ix_refresh_token_user_id", "refresh_token", ["user_id"])

    op.create_table(
        "revoked_token",
        sa.Column("token_id", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_id", name="pk_revoked_token"),
    )
    op.create_index("ix_revoked_token_expires_at", "revoked_token", ["expires_at"])

    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sign_in_failure"),
        sa.CheckConstraint(_in("kind", ("username", "address")), name="ck_sign_in_failure_failure_kind"),
    )
    op.create_index("ix_sign_in_failure_kind_key_occurred_at", "sign_in_failure", ["kind", "key", "occurred_at"])


def downgrade() -> None:
    op.drop_table("sign_in_failure")
    op.drop_table("revoked_token")
    op.drop_table("refresh_token")
    op.drop_table("service_account")
    op.drop_table("user_account")
    drop_infrastructure_tables_v1()
