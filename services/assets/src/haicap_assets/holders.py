"""Holders: who an asset is allocated to, as org-structure describes them.

A holder is written as a reference (an agency id, or a unit id or code) and resolved over
HTTP when written; the result is kept on the asset's rows (kind, name, province, commune,
level, unit, last day in force), so area checks and statistics never call org-structure.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Self

from pydantic import BaseModel, Field, model_validator

from haicap_shared.codes import UnitCode, UnitLevel
from haicap_shared.errors import Conflict
from haicap_shared.validity import Interval
from haicap_shared.values import IsoDate

from .org_client import OrgDirectory
from .register.models import HolderKind


class HolderRef(BaseModel):
    """An agency (``kind=agency``, ``id``) or an administrative unit (``kind=unit``, ``id`` or ``code``)."""

    kind: HolderKind
    id: uuid.UUID | None = Field(None, description="The agency's or unit's id in org-structure")
    code: UnitCode | None = Field(None, description="A unit's official code (units only)")
    as_of: IsoDate | None = Field(None, description="The date on which `code` is read; defaults to the date of the change")

    @model_validator(mode="after")
    def _one_key(self) -> Self:
        if (self.id is None) == (self.code is None):
            raise ValueError("give either id or code")
        if self.kind is HolderKind.AGENCY and self.code is not None:
            raise ValueError("an agency is named by its id")
        return self


@dataclass(frozen=True, slots=True)
class Holder:
    kind: HolderKind
    id: uuid.UUID
    name: str
    province_code: str
    commune_code: str | None
    level: UnitLevel
    unit_id: uuid.UUID
    valid_from: date | None
    valid_to: date | None

    def columns(self) -> dict[str, Any]:
        """The holder columns of an asset or an allocation."""
        return {
            "holder_kind": self.kind,
            "holder_id": self.id,
            "holder_name": self.name,
            "holder_province_code": self.province_code,
            "holder_commune_code": self.commune_code,
            "holder_level": self.level,
            "holder_unit_id": self.unit_id,
            "holder_valid_to": self.valid_to,
        }

    def receiving_columns(self) -> dict[str, Any]:
        """The same, as the receiving holder of a disposition."""
        return {
            "receiving_holder_kind": self.kind,
            "receiving_holder_id": self.id,
            "receiving_holder_name": self.name,
            "receiving_province_code": self.province_code,
            "receiving_commune_code": self.commune_code,
            "receiving_level": self.level,
            "receiving_unit_id": self.unit_id,
            "receiving_valid_to": self.valid_to,
        }

    def in_force_on(self, on: date) -> bool:
        return Interval.of(self).contains(on)


class HolderNotInForce(Conflict):
    code, title = "holder_not_in_force", "The holder does not exist on that date"


class HolderNotAllowed(Conflict):
    code, title = "holder_level_invalid", "Assets are held by provinces, communes, former districts or agencies"


def _level(value: str) -> UnitLevel:
    try:
        return UnitLevel(value)
    except ValueError as exc:
        raise HolderNotAllowed(f"org-structure level {value!r} cannot hold assets") from exc


async def resolve(org: OrgDirectory, ref: HolderRef, on: date) -> Holder:
    """Fetch the holder from org-structure (``code`` read on ``ref.as_of`` or ``on``)."""
    if ref.kind is HolderKind.AGENCY:
        assert ref.id is not None
        agency = await org.agency(ref.id)
        return Holder(
            HolderKind.AGENCY,
            agency.id,
            agency.name,
            agency.province_code,
            agency.commune_code,
            _level(agency.level),
            agency.unit_id,
            agency.valid_from,
            agency.valid_to,
        )
    unit = await org.unit(ref.id) if ref.id is not None else await org.unit_by_code(str(ref.code), ref.as_of or on)
    return unit_holder(unit.id, unit.code, unit.name, unit.level, unit.province_code, unit.valid_from, unit.valid_to)


def unit_holder(
    unit_id: uuid.UUID, code: str, name: str, level: str, province_code: str, valid_from: date | None, valid_to: date | None
) -> Holder:
    holder_level = _level(level)
    commune = code if holder_level is UnitLevel.COMMUNE else None
    return Holder(HolderKind.UNIT, unit_id, name, province_code or code[:2], commune, holder_level, unit_id, valid_from, valid_to)


def require_in_force(holder: Holder, on: date) -> None:
    if not holder.in_force_on(on):
        raise HolderNotInForce(
            f"{holder.name} is in force from {holder.valid_from or 'the beginning'} to {holder.valid_to or 'now'}, not on {on}"
        )


def day_before(on: date) -> date:
    return on - timedelta(days=1)
