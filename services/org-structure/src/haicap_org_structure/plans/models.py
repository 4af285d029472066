"""Tables of the plans: plans, their items, dependencies and links, progress reports, reminders sent."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity, UtcDateTime, string_enum, utcnow

from ..db import Base

MAX_CODE = 50
MAX_TITLE = 1000
MAX_DECISION = 100
MAX_ISSUER = 300
MAX_URL = 1000
MAX_TEXT = 5000


class PlanStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class PlanRating(enum.StrEnum):
    """The assessment of a plan at its closure."""

    EXCELLENT = "excellent"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


class ItemStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class ItemMeasure(enum.StrEnum):
    """What the records measure of an item's progress (the reporting service reads them)."""

    PREMISES_HANDED_OVER = "premises_handed_over"
    CARS_HANDED_OVER = "cars_handed_over"
    PEOPLE_PLACED = "people_placed"
    TASKS_OWNED = "tasks_owned"
    DIFFICULTIES_RESOLVED = "difficulties_resolved"


class LinkKind(enum.StrEnum):
    """What an item's link points at: org-structure's own records, or personnel's and assets'."""

    TASK = "task"
    AGENCY = "agency"
    POSITION = "position"
    PLACEMENT = "placement"
    ASSET = "asset"
    DISPOSITION = "disposition"


class ReminderKind(enum.StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ESCALATED = "escalated"


class Plan(Entity, Base):
    """A province's implementation plan, with the decision that issued it."""

    __tablename__ = "plan"

    province_code: Mapped[str] = mapped_column(String(2))
    code: Mapped[str] = mapped_column(String(MAX_CODE))
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    owner_agency_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("agency.id"))
    decision_number: Mapped[str | None] = mapped_column(String(MAX_DECISION))
    decision_signed_on: Mapped[date | None] = mapped_column(Date)
    decision_issuer: Mapped[str | None] = mapped_column(String(MAX_ISSUER))
    document_url: Mapped[str | None] = mapped_column(String(MAX_URL))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[PlanStatus] = mapped_column(string_enum(PlanStatus, "plan_status"), default=PlanStatus.OPEN)
    closed_on: Mapped[date | None] = mapped_column(Date)
    assessment: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[PlanRating | None] = mapped_column(string_enum(PlanRating, "plan_rating"))
    search_key: Mapped[str] = mapped_column(String(MAX_TITLE + MAX_CODE + 3))

    __table_args__ = (
        UniqueConstraint("province_code", "code"),
        Index(None, "province_code", "status", "code"),
    )


class PlanItem(Entity, Base):
    """One item of a plan: who does what by when, and how far it has come."""

    __tablename__ = "plan_item"

    plan_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("plan.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(MAX_CODE))
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    expected_output: Mapped[str | None] = mapped_column(String(MAX_TEXT))
    assignee_agency_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("agency.id"))
    assignee_placement_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    assignee_person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    province_code: Mapped[str] = mapped_column(String(2))
    commune_code: Mapped[str | None] = mapped_column(String(5))
    starts_on: Mapped[date | None] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[ItemStatus] = mapped_column(string_enum(ItemStatus, "plan_item_status"), default=ItemStatus.NOT_STARTED)
    progress_percent: Mapped[int] = mapped_column(Integer, default=0)
    completed_on: Mapped[date | None] = mapped_column(Date)
    measure: Mapped[ItemMeasure | None] = mapped_column(string_enum(ItemMeasure, "plan_item_measure"))
    assessment: Mapped[str | None] = mapped_column(Text)
    on_time: Mapped[bool | None] = mapped_column(Boolean)

    __table_args__ = (
        UniqueConstraint("plan_id", "code"),
        CheckConstraint("progress_percent >= 0 AND progress_percent <= 100", name="progress_range"),
        Index(None, "province_code", "commune_code", "deadline"),
        Index(None, "assignee_agency_id", "deadline"),
        Index(None, "status", "deadline"),
    )


class PlanItemDependency(Base):
    """``item_id`` cannot be done before ``depends_on_id`` (an item of the same plan)."""

    __tablename__ = "plan_item_dependency"

    item_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("plan_item.id", ondelete="CASCADE"), primary_key=True)
    depends_on_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("plan_item.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index(None, "depends_on_id"),)


class PlanItemLink(Base):
    """A record an item concerns: a task or agency here, a position or placement (personnel), an asset or disposition."""

    __tablename__ = "plan_item_link"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    item_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("plan_item.id", ondelete="CASCADE"))
    kind: Mapped[LinkKind] = mapped_column(string_enum(LinkKind, "plan_link_kind"))
    target_id: Mapped[uuid.UUID] = mapped_column(Uuid)

    __table_args__ = (UniqueConstraint("item_id", "kind", "target_id"), Index(None, "kind", "target_id"))


class PlanProgress(Base):
    """One progress report of an item by its assignee."""

    __tablename__ = "plan_progress"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    item_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("plan_item.id", ondelete="CASCADE"))
    reported_on: Mapped[date] = mapped_column(Date)
    percent: Mapped[int] = mapped_column(Integer)
    narrative: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    correction: Mapped[bool] = mapped_column(Boolean, default=False)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    reporter: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)

    __table_args__ = (
        CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"),
        Index(None, "item_id", "reported_on", "created_at"),
    )


class PlanReminder(Base):
    """A reminder recorded for an item: one per (item, kind), so the worker records each once."""

    __tablename__ = "plan_reminder"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    item_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("plan_item.id", ondelete="CASCADE"))
    kind: Mapped[ReminderKind] = mapped_column(string_enum(ReminderKind, "plan_reminder_kind"))
    sent_on: Mapped[date] = mapped_column(Date)
    superior_agency_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("agency.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)

    __table_args__ = (UniqueConstraint("item_id", "kind"),)


plan_table = cast(Table, Plan.__table__)
item_table = cast(Table, PlanItem.__table__)
dependency_table = cast(Table, PlanItemDependency.__table__)
link_table = cast(Table, PlanItemLink.__table__)
progress_table = cast(Table, PlanProgress.__table__)
reminder_table = cast(Table, PlanReminder.__table__)
