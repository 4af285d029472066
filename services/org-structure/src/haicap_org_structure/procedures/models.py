"""Tables of the procedure catalogue: the procedures, their levels over time, and the tasks they carry out."""

from __future__ import annotations

import uuid
from typing import cast

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Table, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.codes import UnitLevel
from haicap_shared.models import Entity, string_enum
from haicap_shared.validity import ValidityColumns, valid_interval_check

from ..db import Base

MAX_PROCESSING_DAYS = 366


class Procedure(Entity, Base):
    """An administrative procedure (thủ tục hành chính) as the national procedure database codes it."""

    __tablename__ = "procedure"

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(1000))
    sector: Mapped[str] = mapped_column(String(200))
    search_key: Mapped[str] = mapped_column(String(1300))

    # NOTE: (code, id) is the list's keyset order.
    __table_args__ = (UniqueConstraint("code"), Index(None, "code", "id"), Index(None, "sector", "code"))


class ProcedureLevel(ValidityColumns, Base):
    """One dated version of a procedure: the level handling it, the agency in charge, the time, and their basis.

    The versions of one procedure never overlap (the service checks it; on PostgreSQL an
    exclusion constraint of migration 0008 too).
    """

    __tablename__ = "procedure_level"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    procedure_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("procedure.id", ondelete="CASCADE"))
    level: Mapped[UnitLevel] = mapped_column(string_enum(UnitLevel, "procedure_level"))
    agency_in_charge: Mapped[str | None] = mapped_column(String(300))
    processing_days: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        valid_interval_check(),
        CheckConstraint(f"processing_days >= 0 AND processing_days <= {MAX_PROCESSING_DAYS}", name="processing_days_range"),
        Index(None, "procedure_id", "valid_from"),
        Index(None, "level", "valid_from", "valid_to"),
    )


class TaskProcedure(Base):
    """A task of the catalogue carried out through a procedure (one row per pair)."""

    __tablename__ = "task_procedure"

    task_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    procedure_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("procedure.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index(None, "procedure_id", "task_id"),)


procedure_table = cast(Table, Procedure.__table__)
level_table = cast(Table, ProcedureLevel.__table__)
task_procedure_table = cast(Table, TaskProcedure.__table__)
