"""Placements (bố trí): a person in a position of an agency, over time, with the suitability found."""

from __future__ import annotations

import enum
import uuid
from typing import cast

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Table, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity, string_enum
from haicap_shared.validity import ValidityColumns, valid_interval_check

from ..agency_ref import AgencyRefColumns
from ..db import Base


class Suitability(enum.StrEnum):
    SUITABLE = "suitable"
    PARTLY = "partly"
    UNSUITABLE = "unsuitable"


class Placement(AgencyRefColumns, ValidityColumns, Entity, Base):
    """A person in a position from ``valid_from`` to ``valid_to`` (inclusive; null: still)."""

    __tablename__ = "placement"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("person.id"))
    position_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("job_position.id"))
    is_primary: Mapped[bool] = mapped_column(Boolean)
    suitability: Mapped[Suitability] = mapped_column(string_enum(Suitability, "placement_suitability"))
    suitability_reasons: Mapped[list[str]] = mapped_column(JSON)
    # NOTE: the career event (a transfer, an appointment...) whose decision made this placement, if recorded.
    career_event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("career_event.id"))

    __table_args__ = (
        valid_interval_check(),
        Index(None, "person_id", "valid_from"),
        Index(None, "position_id"),
        Index(None, "agency_id", "valid_from"),
        # NOTE: the lists' order, carrying what the placement statistics read, so that PostgreSQL
        # answers a province's figures from the index alone (migration 0018).
        Index(
            None,
            "province_code",
            "valid_from",
            "id",
            postgresql_include=[
                "is_primary",
                "valid_to",
                "agency_valid_to",
                "commune_code",
                "agency_level",
                "unit_id",
                "agency_id",
                "person_id",
                "suitability",
            ],
        ),
        Index(None, "career_event_id"),
    )


placement_table = cast(Table, Placement.__table__)

# NOTE: whether a person has a primary placement in force (the gap statistics ask it of every
# person of a province) answered from the index alone on PostgreSQL (migration 0017).
Index(
    "ix_placement_person_id_serving",
    placement_table.c.person_id,
    postgresql_include=["is_primary", "valid_from", "valid_to", "agency_valid_to"],
)
