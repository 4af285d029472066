"""The table of task feasibility: one dated status per (task, agency) on a day, with reasons, proposal and answer."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from typing import cast

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Table, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity, string_enum
from haicap_shared.validity import ValidityColumns, valid_interval_check

from ..db import Base

MAX_TEXT = 2000
MAX_DECISION = 200


class FeasibilityStatus(enum.StrEnum):
    """How the holding agency carries out the task."""

    NORMAL = "normal"
    WITH_DIFFICULTIES = "with_difficulties"
    CANNOT_CARRY_OUT = "cannot_carry_out"


class FeasibilityReason(enum.StrEnum):
    """Why a task is carried out with difficulties or not at all (controlled list)."""

    NO_SKILLED_STAFF = "no_skilled_staff"
    NO_EQUIPMENT_OR_SOFTWARE = "no_equipment_or_software"
    UNCLEAR_LEGAL_BASIS = "unclear_legal_basis"
    OVERLAP_WITH_OTHER_AGENCY = "overlap_with_other_agency"
    WORKLOAD = "workload"
    FUNDING = "funding"
    OTHER = "other"


class FeasibilityProposal(enum.StrEnum):
    """What the holding agency proposes to the province."""

    RETURN_TO_PROVINCE = "return_to_province"
    REASSIGN = "reassign"
    TRAIN = "train"
    AMEND_LEGAL_BASIS = "amend_legal_basis"


class AnswerState(enum.StrEnum):
    """Where a proposal stands: open until the province answers it."""

    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    RESOLVED = "resolved"


class TaskFeasibility(ValidityColumns, Entity, Base):
    """One dated status of a task held by an agency (the agency's province and commune copied for the area).

    The statuses of one (task, agency) never share a day (the service ends the one in force the
    day before a new one; on PostgreSQL an exclusion constraint of migration 0010 too).
    """

    __tablename__ = "task_feasibility"

    task_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("task.id", ondelete="CASCADE"))
    agency_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("agency.id"))
    province_code: Mapped[str] = mapped_column(String(2))
    commune_code: Mapped[str | None] = mapped_column(String(5))
    status: Mapped[FeasibilityStatus] = mapped_column(string_enum(FeasibilityStatus, "feasibility_status"))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason_text: Mapped[str | None] = mapped_column(String(MAX_TEXT))
    proposal: Mapped[FeasibilityProposal | None] = mapped_column(string_enum(FeasibilityProposal, "feasibility_proposal"))
    proposal_text: Mapped[str | None] = mapped_column(String(MAX_TEXT))
    answer_state: Mapped[AnswerState | None] = mapped_column(string_enum(AnswerState, "feasibility_answer_state"))
    answered_on: Mapped[date | None] = mapped_column(Date)
    answer_decision: Mapped[str | None] = mapped_column(String(MAX_DECISION))
    answer_note: Mapped[str | None] = mapped_column(String(MAX_TEXT))

    __table_args__ = (
        valid_interval_check(),
        CheckConstraint("(proposal IS NULL) = (answer_state IS NULL)", name="answer_needs_proposal"),
        Index(None, "task_id", "agency_id", "valid_from"),
        Index(None, "province_code", "commune_code", "valid_from"),
        Index(None, "agency_id", "valid_from"),
    )


feasibility_table = cast(Table, TaskFeasibility.__table__)
