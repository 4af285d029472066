"""Car norms per commune (định mức xe ô tô phục vụ công tác chung) and the price cap of each kind of car, by date."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from typing import cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity, string_enum
from haicap_shared.validity import valid_interval_check

from ..db import Base


class CarNorm(Entity, Base):
    """A norm in force from ``valid_from`` (to ``valid_to``, inclusive; null: still in force).

    ``max_price_vnd`` is the cap of the common car (any general-work car not of another kind);
    the other kinds' caps are :class:`CarKindCap` rows of the norm.
    """

    __tablename__ = "car_norm"

    valid_from: Mapped[date] = mapped_column(Date, unique=True)
    valid_to: Mapped[date | None] = mapped_column(Date)
    max_general_cars_per_commune: Mapped[int] = mapped_column(Integer)
    max_price_vnd: Mapped[int] = mapped_column(BigInteger)
    legal_basis: Mapped[str] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (valid_interval_check(),)


class CarKind(enum.StrEnum):
    """The kinds of car the decree caps apart: the common car, 7-8 seats, 12-16 seats, specialised."""

    COMMON = "common"
    SEATS_7_8 = "seats_7_8"
    SEATS_12_16 = "seats_12_16"
    SPECIALISED = "specialised"


class CarKindCap(Entity, Base):
    """The price cap of one kind of car (other than the common car) under a norm.

    A car is of the kind whose seat range holds its seats (``specialised``: allocated as a
    specialised car, whatever its seats). ``max_price_vnd`` null: the norm sets no cap of its own
    for the kind (the competent authority's decision applies). ``provisional``: the cap could not
    be read in the text of the decree here.
    """

    __tablename__ = "car_kind_cap"

    norm_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("car_norm.id", ondelete="CASCADE"))
    kind: Mapped[CarKind] = mapped_column(string_enum(CarKind, "car_kind", 20))
    min_seats: Mapped[int | None] = mapped_column(Integer)
    max_seats: Mapped[int | None] = mapped_column(Integer)
    max_price_vnd: Mapped[int | None] = mapped_column(BigInteger)
    provisional: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(500))

    __table_args__ = (
        UniqueConstraint("norm_id", "kind"),
        CheckConstraint("min_seats IS NULL OR max_seats IS NULL OR min_seats <= max_seats", name="seat_range"),
        CheckConstraint("kind <> 'common'", name="not_common"),
    )


car_norm_table = cast(Table, CarNorm.__table__)
car_kind_cap_table = cast(Table, CarKindCap.__table__)
