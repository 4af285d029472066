"""Reconciliations of haicap's records with a national-side export: the run, its differences, the file's staged lines."""

from __future__ import annotations

import enum
import uuid
from typing import cast

from sqlalchemy import ForeignKey, Index, Integer, String, Table, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity, string_enum

from ..db import Base


class DifferenceKind(enum.StrEnum):
    """What a difference between the national side and haicap is."""

    MISSING_NATIONALLY = "missing_nationally"
    """A person haicap serves (in the uploader's area) whom the export does not hold."""
    MISSING_IN_HAICAP = "missing_in_haicap"
    """A personal identification number the export holds and haicap has no person with."""
    FIELD_DIFFERS = "field_differs"
    """A field of a person's record whose value differs between the two."""
    ACKNOWLEDGED_NOT_HELD = "acknowledged_not_held"
    """A change haicap holds as acknowledged that the export does not carry."""


class SyncReconciliation(Entity, Base):
    """One comparison of a national-side export with haicap's records, kept so an officer can come back to it."""

    __tablename__ = "sync_reconciliation"

    filename: Mapped[str] = mapped_column(String(200))
    uploaded_by: Mapped[str] = mapped_column(String(200))
    # NOTE: the uploader's area: the records compared are those in it, and only callers whose
    # area holds it read the result back.
    province_code: Mapped[str | None] = mapped_column(String(2))
    commune_code: Mapped[str | None] = mapped_column(String(5))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    lines: Mapped[int] = mapped_column(Integer)
    people_in_file: Mapped[int] = mapped_column(Integer)
    changes_in_file: Mapped[int] = mapped_column(Integer)
    missing_nationally: Mapped[int] = mapped_column(Integer)
    missing_in_haicap: Mapped[int] = mapped_column(Integer)
    field_differences: Mapped[int] = mapped_column(Integer)
    acknowledged_not_held: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index(None, "created_at", "id"),)


class ReconciliationDifference(Base):
    """One difference a reconciliation found."""

    __tablename__ = "sync_reconciliation_difference"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reconciliation_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("sync_reconciliation.id", ondelete="CASCADE"))
    kind: Mapped[DifferenceKind] = mapped_column(string_enum(DifferenceKind, "reconciliation_difference_kind"))
    national_id: Mapped[str | None] = mapped_column(String(12))
    person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    change_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    field: Mapped[str | None] = mapped_column(String(100))
    haicap_value: Mapped[str | None] = mapped_column(Text)
    national_value: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index(None, "reconciliation_id", "kind", "id"),)


class ReconciliationLine(Base):
    """A line of an uploaded export, staged while its reconciliation is computed (deleted when done)."""

    __tablename__ = "sync_reconciliation_line"

    reconciliation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("sync_reconciliation.id", ondelete="CASCADE"), primary_key=True
    )
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    national_id: Mapped[str] = mapped_column(String(12))
    change_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    __table_args__ = (
        Index(None, "reconciliation_id", "national_id"),
        Index(None, "reconciliation_id", "change_id"),
    )


reconciliation_table = cast(Table, SyncReconciliation.__table__)
difference_table = cast(Table, ReconciliationDifference.__table__)
line_table = cast(Table, ReconciliationLine.__table__)
