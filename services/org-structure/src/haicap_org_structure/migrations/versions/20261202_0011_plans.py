"""Implementation plans: plans, their items (dependencies, links), progress reports and reminders.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import entity_columns_v1

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=30)


def upgrade() -> None:
    op.create_table(
        "plan",
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=False),
        sa.Column("owner_agency_id", sa.Uuid(), nullable=False),
        sa.Column("decision_number", sa.String(length=100), nullable=True),
        sa.Column("decision_signed_on", sa.Date(), nullable=True),
        sa.Column("decision_issuer", sa.String(length=300), nullable=True),
        sa.Column("document_url", sa.String(length=1000), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("status", _enum("plan_status", "open", "closed"), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("assessment", sa.Text(), nullable=True),
        sa.Column("rating", _enum("plan_rating", "excellent", "good", "fair", "poor"), nullable=True),
        sa.Column("search_key", sa.String(length=1053), nullable=False),
        *entity_columns_v1(),
        sa.ForeignKeyConstraint(["owner_agency_id"], ["agency.id"], name=op.f("fk_plan_owner_agency_id_agency")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
        sa.UniqueConstraint("province_code", "code", name=op.f("uq_plan_province_code_code")),
    )
    op.create_index("ix_plan_province_code_status_code", "plan", ["province_code", "status", "code"])
    op.create_table(
        "plan_item",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=False),
        sa.Column("expected_output", sa.String(length=5000), nullable=True),
        sa.Column("assignee_agency_id", sa.Uuid(), nullable=False),
        sa.Column("assignee_placement_id", sa.Uuid(), nullable=True),
        sa.Column("assignee_person_id", sa.Uuid(), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", _enum("plan_item_status", "not_started", "in_progress", "done", "cancelled"), nullable=False),
        sa.Column("progress_percent", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column(
            "measure",
            _enum(
                "plan_item_measure",
                "premises_handed_over",
                "cars_handed_over",
                "people_placed",
                "tasks_owned",
                "difficulties_resolved",
            ),
            nullable=True,
        ),
        sa.Column("assessment", sa.Text(), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        *entity_columns_v1(),
        sa.CheckConstraint("progress_percent >= 0 AND progress_percent <= 100", name=op.f("ck_plan_item_progress_range")),
        sa.ForeignKeyConstraint(["assignee_agency_id"], ["agency.id"], name=op.f("fk_plan_item_assignee_agency_id_agency")),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_plan_item_plan_id_plan"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_item")),
        sa.UniqueConstraint("plan_id", "code", name=op.f("uq_plan_item_plan_id_code")),
    )
    op.create_index("ix_plan_item_assignee_agency_id_deadline", "plan_item", ["assignee_agency_id", "deadline"])
    op.create_index(
        "ix_plan_item_province_code_commune_code_deadline", "plan_item", ["province_code", "commune_code", "deadline"]
    )
    op.create_index("ix_plan_item_status_deadline", "plan_item", ["status", "deadline"])
    op.create_table(
        "plan_item_dependency",
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("depends_on_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["depends_on_id"],
            ["plan_item.id"],
            name=op.f("fk_plan_item_dependency_depends_on_id_plan_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["plan_item.id"], name=op.f("fk_plan_item_dependency_item_id_plan_item"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("item_id", "depends_on_id", name=op.f("pk_plan_item_dependency")),
    )
    op.create_index("ix_plan_item_dependency_depends_on_id", "plan_item_dependency", ["depends_on_id"])
    op.create_table(
        "plan_item_link",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind", _enum("plan_link_kind", "task", "agency", "position", "placement", "asset", "disposition"), nullable=False
        ),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["plan_item.id"], name=op.f("fk_plan_item_link_item_id_plan_item"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_item_link")),
        sa.UniqueConstraint("item_id", "kind", "target_id", name=op.f("uq_plan_item_link_item_id_kind_target_id")),
    )
    op.create_index("ix_plan_item_link_kind_target_id", "plan_item_link", ["kind", "target_id"])
    op.create_table(
        "plan_progress",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("narrative", sa.Text(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("correction", sa.Boolean(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("reporter", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("percent >= 0 AND percent <= 100", name=op.f("ck_plan_progress_percent_range")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["plan_item.id"], name=op.f("fk_plan_progress_item_id_plan_item"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_progress")),
    )
    op.create_index("ix_plan_progress_item_id_reported_on_created_at", "plan_progress", ["item_id", "reported_on", "created_at"])
    op.create_table(
        "plan_reminder",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("kind", _enum("plan_reminder_kind", "due_soon", "overdue", "escalated"), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("superior_agency_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["plan_item.id"], name=op.f("fk_plan_reminder_item_id_plan_item"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["superior_agency_id"], ["agency.id"], name=op.f("fk_plan_reminder_superior_agency_id_agency")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_reminder")),
        sa.UniqueConstraint("item_id", "kind", name=op.f("uq_plan_reminder_item_id_kind")),
    )


def downgrade() -> None:
    op.drop_table("plan_reminder")
    op.drop_index("ix_plan_progress_item_id_reported_on_created_at", table_name="plan_progress")
    op.drop_table("plan_progress")
    op.drop_index("ix_plan_item_link_kind_target_id", table_name="plan_item_link")
    op.drop_table("plan_item_link")
    op.drop_index("ix_plan_item_dependency_depends_on_id", table_name="plan_item_dependency")
    op.drop_table("plan_item_dependency")
    op.drop_index("ix_plan_item_status_deadline", table_name="plan_item")
    op.drop_index("ix_plan_item_province_code_commune_code_deadline", table_name="plan_item")
    op.drop_index("ix_plan_item_assignee_agency_id_deadline", table_name="plan_item")
    op.drop_table("plan_item")
    op.drop_index("ix_plan_province_code_status_code", table_name="plan")
    op.drop_table("plan")
