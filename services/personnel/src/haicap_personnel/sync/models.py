"""Dossier changes on their way to the national database, the exchanges that carried them, the calendar.

A change is made from one personnel event of a dossier kind (a person, a family member, a career
event, an evaluation, a commendation, a discipline). Its status moves:

    pending_verification -> queued (verified) -> sent -> acknowledged
                         -> returned (sent back, with the reason)   -> rejected (the national side's reason)

``overdue`` is not a status: a change is overdue when it is not acknowledged and its due date
has passed (the reports compute it for any day).
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import cast

from sqlalchemy import JSON, BigInteger, Boolean, Date, Index, Integer, String, Table, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity, UtcDateTime, string_enum

from ..db import Base


class ChangeStatus(enum.StrEnum):
    PENDING_VERIFICATION = "pending_verification"
    RETURNED = "returned"
    QUEUED = "queued"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"


class DossierChange(Entity, Base):
    """One change of a person's dossier, from the event that recorded it to the national side's answer."""

    __tablename__ = "dossier_change"

    # NOTE: the personnel event it was made from: one change per event, whatever the retries.
    event_sequence: Mapped[int] = mapped_column(BigInteger, unique=True)
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # NOTE: the area of the person's managing agency when the change arose (who verifies it, the reports).
    agency_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    province_code: Mapped[str | None] = mapped_column(String(2))
    commune_code: Mapped[str | None] = mapped_column(String(5))
    groups: Mapped[list[str]] = mapped_column(JSON)
    changed_fields: Mapped[list[str] | None] = mapped_column(JSON)
    decision_number: Mapped[str | None] = mapped_column(String(100))
    decision_date: Mapped[date | None] = mapped_column(Date)
    arose_on: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[ChangeStatus] = mapped_column(string_enum(ChangeStatus, "dossier_change_status"))
    status_reason: Mapped[str | None] = mapped_column(Text)
    verified_by: Mapped[str | None] = mapped_column(String(200))
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    national_reference: Mapped[str | None] = mapped_column(String(200))
    # NOTE: why the last attempt failed (a timeout, a 5xx, a refused connection); cleared once it is answered.
    last_error: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        Index(None, "status", "next_attempt_at"),
        Index(None, "person_id", "event_sequence"),
        Index(None, "province_code", "commune_code", "due_date"),
        Index(None, "due_date", "id"),
    )


class SyncExchange(Entity, Base):
    """One exchange with the national side (or one batch file written): what, when, to whom, the answer."""

    __tablename__ = "sync_exchange"

    adapter: Mapped[str] = mapped_column(String(20))
    destination: Mapped[str] = mapped_column(String(500))
    operation: Mapped[str] = mapped_column(String(40))
    change_ids: Mapped[list[str]] = mapped_column(JSON)
    transaction_code: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    duration_ms: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    http_status: Mapped[int | None] = mapped_column(Integer)
    answer: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index(None, "started_at", "id"),)


class CalendarDay(Entity, Base):
    """A day whose working status differs from the rule (a swapped working day, or a day off given in exchange)."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, unique=True)
    working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(300))


dossier_change_table = cast(Table, DossierChange.__table__)
sync_exchange_table = cast(Table, SyncExchange.__table__)
calendar_day_table = cast(Table, CalendarDay.__table__)
