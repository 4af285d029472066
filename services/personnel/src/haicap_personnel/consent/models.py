"""A person's consent to other agencies reading their dossier; the person's own view and the discrepancies they flag: tables.

A consent names the agency that may read (the grantee), the dossier groups it may read (its
scope: groups of :class:`haicap_personnel.sync.groups.Group`, or ``all``), why, from when and
until when; it ends early when revoked (when, why, by whom). A discrepancy is what the person
says is wrong in their dossier (a group, a field, a text); officers of the person's area resolve
it. It keeps the area of the person's record when it was flagged, for the officers' lists.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import cast

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Table, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity, UtcDateTime, string_enum

from ..agency_ref import AgencyRefColumns
from ..db import Base
from ..sync.groups import Group

ALL_GROUPS = "all"
"""A consent's scope naming every group (those known when it is read)."""


class DiscrepancyStatus(enum.StrEnum):
    OPEN = "open"
    CORRECTED = "corrected"
    DISMISSED = "dismissed"


class Consent(Entity, Base):
    """A person's consent that an agency reads groups of their dossier, for a purpose, until a date."""

    __tablename__ = "consent"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("person.id"))
    grantee_agency_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    grantee_name: Mapped[str] = mapped_column(String(300))
    scope: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(500))
    given_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_by_role: Mapped[str] = mapped_column(String(30))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(200))
    revoked_reason: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        CheckConstraint("given_on <= expires_on", name="dates_ordered"),
        CheckConstraint(
            "(revoked_at IS NULL AND revoked_reason IS NULL) OR (revoked_at IS NOT NULL AND revoked_reason IS NOT NULL)",
            name="revocation_has_reason",
        ),
        Index(None, "person_id", "id"),
        Index(None, "grantee_agency_id", "person_id"),
    )


class Discrepancy(AgencyRefColumns, Entity, Base):
    """What a person says is wrong in their dossier, and how the officers of their area resolved it."""

    __tablename__ = "discrepancy"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("person.id"))
    group: Mapped[Group] = mapped_column(string_enum(Group, "dossier_group", length=40))
    field: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(2000))
    reported_by: Mapped[str] = mapped_column(String(200))
    status: Mapped[DiscrepancyStatus] = mapped_column(string_enum(DiscrepancyStatus, "discrepancy_status", length=20))
    reopened_changes: Mapped[int] = mapped_column(Integer, default=0)
    resolution_note: Mapped[str | None] = mapped_column(String(2000))
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        CheckConstraint(
            "(status = 'open' AND resolved_at IS NULL) OR (status <> 'open' AND resolved_at IS NOT NULL)",
            name="resolved_when_closed",
        ),
        Index(None, "person_id", "id"),
        Index(None, "province_code", "status", "id"),
    )


consent_table = cast(Table, Consent.__table__)
discrepancy_table = cast(Table, Discrepancy.__table__)
