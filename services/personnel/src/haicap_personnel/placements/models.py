"""Placements (bố trí): a person in a position of an agency, over time, with the suitability found."""

from __future__ import annotations

import enum
import uuid
from typing import cast

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, String, Table, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity, string_enum
from haicap_shared.validity import ValidityColumns, valid_interval_check

from ..agency_ref import AgencyRefColumns
from ..db import Base
from ..people.models import QUALIFICATION_COLUMNS


class Suitability(enum.StrEnum):
    SUITABLE = "suitable"
    PARTLY = "partly"
    UNSUITABLE = "unsuitable"


PERSON_COPIES = tuple(f"person_{column}" for column in QUALIFICATION_COLUMNS)
"""The person's category and qualifications, copied onto each of their placements by the database."""


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
        # NOTE: the lists' order, carrying what the placement statistics read (the person's copies
        # below too), so that PostgreSQL answers a province's figures from the index alone
        # (migration 0018).
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
                *PERSON_COPIES,
            ],
        ),
        Index(None, "career_event_id"),
    )


placement_table = cast(Table, Placement.__table__)
placement_record = tuple(placement_table.c)
"""The placement's own columns (those of the mapped class): what a record of it, read with Core, holds."""

# NOTE: the statistics count placements by their person's category and qualifications; read
# from the person they cost a lookup per placement (0.25-0.62 s for one province at 3 M people,
# 2.7 s for the country), read here they come with the placement from one index. Triggers of
# migration 0018 keep them (a placement takes its person's on insert, a person's change reaches
# all their placements), so no write path can forget them. They are columns of the table but
# not of the mapped class: the API, the audit snapshots and the change feed do not show them.
for _copy in PERSON_COPIES:
    placement_table.append_column(Column(_copy, String(30)))

# NOTE: whether a person has a primary placement in force (the gap statistics ask it of every
# person of a province) answered from the index alone on PostgreSQL (migration 0017).
Index(
    "ix_placement_person_id_serving",
    placement_table.c.person_id,
    postgresql_include=["is_primary", "valid_from", "valid_to", "agency_valid_to"],
)
