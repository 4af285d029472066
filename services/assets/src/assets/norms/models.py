"""Car norms per commune (định mức xe ô tô phục vụ công tác chung), by date."""

from __future__ import annotations

from datetime import date
from typing import cast

from sqlalchemy import BigInteger, CheckConstraint, Date, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity

from ..db import Base


class CarNorm(Entity, Base):
    """A norm in force from ``valid_from`` (to ``valid_to``, inclusive; null: still in force)."""

    __tablename__ = "car_norm"

    valid_from: Mapped[date] = mapped_column(Date, unique=True)
    valid_to: Mapped[date | None] = mapped_column(Date)
    max_general_cars_per_commune: Mapped[int] = mapped_column(Integer)
    max_price_vnd: Mapped[int] = mapped_column(BigInteger)
    legal_basis: Mapped[str] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (CheckConstraint("valid_to IS NULL OR valid_from <= valid_to", name="valid_interval"),)


car_norm_table = cast(Table, CarNorm.__table__)
