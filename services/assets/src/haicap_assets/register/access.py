"""Who may read and change assets, and where: the rules of the asset area, for every domain.

| role | reads | writes |
| --- | --- | --- |
| admin | all | all |
| province_officer | assets standing in or held in their province | the same |
| commune_officer | assets held by their commune (or its agencies) or standing in it | the same |
| agency_officer | assets held by their agency | the same |
| auditor, service | all | nothing |
| viewer | nothing (reports only) | nothing |

The register owns assets, so the other domains (allocations, dispositions, statistics) take
their rules about assets from here; each keeps its own rules in its own ``access.py``.
A holder written (a new allocation, a hand-over's target, a disposition's receiver) must
also be in the caller's area: 403 ``outside_area`` otherwise, and nothing is written.

Where an asset stands grants reading it and changing its description, not taking it: a new
allocation, a disposition proposed or executed also needs the caller's area to cover the
asset's current holder. A location written (``commune_code`` on create and update) must be a
commune in the caller's area, so no officer can place an asset in their own commune to
gain it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table

from haicap_shared import areas
from haicap_shared.areas import area_condition, ensure_in_area
from haicap_shared.auth import Principal, RecordsRead, RecordsWrite
from haicap_shared.roles import Role

from ..holders import Holder
from .models import HolderKind, asset_table

# NOTE: the register's routes take the readers and writers of records every service shares.
__all__ = [
    "RecordsRead",
    "RecordsWrite",
    "asset_in_area",
    "check_asset",
    "check_current_holder",
    "check_holder",
    "check_location",
    "current_holder_in_area",
    "holder_in_area",
    "location_in_area",
    "visible",
]


def visible(principal: Principal, table: Table = asset_table) -> ColumnElement[bool]:
    """The SQL condition of the rows in the caller's area: of ``asset`` by holder or location, of another table by holder."""
    c = table.c
    located = "province_code" in c
    return area_condition(
        principal,
        province=[c.holder_province_code, *([c.province_code] if located else [])],
        commune=[c.holder_commune_code, *([c.commune_code] if located else [])],
        agency=lambda a: (c.holder_kind == HolderKind.AGENCY) & (c.holder_id == a),
    )


def asset_in_area(principal: Principal, asset: Any) -> bool:
    """Whether one asset (any object with the asset's columns) is in the caller's area."""
    return areas.in_area(
        principal,
        provinces=[asset.province_code, asset.holder_province_code],
        communes=[asset.commune_code, asset.holder_commune_code],
        agency=lambda a: bool(asset.holder_kind is HolderKind.AGENCY and asset.holder_id == a),
    )


def check_asset(principal: Principal, asset: Any) -> None:
    """403 ``outside_area`` unless the asset is in the caller's area."""
    ensure_in_area(principal, asset_in_area(principal, asset), "This asset")


def current_holder_in_area(principal: Principal, asset: Any) -> bool:
    """Whether the caller's area covers the asset's current holder (an asset held by no one: its location)."""
    if asset.holder_kind is None:
        return asset_in_area(principal, asset)
    return areas.in_area(
        principal,
        provinces=[asset.holder_province_code],
        communes=[asset.holder_commune_code],
        agency=lambda a: bool(asset.holder_kind is HolderKind.AGENCY and asset.holder_id == a),
    )


def check_current_holder(principal: Principal, asset: Any) -> None:
    """403 ``outside_area`` unless the caller may act for the asset's current holder (to move or dispose of it)."""
    ensure_in_area(principal, current_holder_in_area(principal, asset), "The asset's current holder")


def location_in_area(principal: Principal, province_code: str, commune_code: str | None) -> bool:
    """Whether the caller may place an asset in this commune (or, without one, this province)."""
    if areas.acts_everywhere(principal):
        return True
    if principal.role is Role.COMMUNE_OFFICER and commune_code is not None:
        return principal.area.commune is not None and principal.area.commune == commune_code
    # NOTE: a caller bound to a province (officers of the province, of one of its communes or
    # agencies) places assets in that province only; an agency officer bound to an agency
    # alone is held to the agency by the holder check.
    if principal.area.province is None:
        return principal.role is Role.AGENCY_OFFICER and areas.area_agency_id(principal) is not None
    return principal.area.province == province_code


def check_location(principal: Principal, province_code: str, commune_code: str | None) -> None:
    """403 ``outside_area`` unless the caller may place an asset there."""
    where = f"Commune {commune_code}" if commune_code is not None else f"Province {province_code}"
    ensure_in_area(principal, location_in_area(principal, province_code, commune_code), where)


def holder_in_area(principal: Principal, holder: Holder) -> bool:
    return areas.in_area(
        principal,
        provinces=[holder.province_code],
        communes=[holder.commune_code],
        agency=lambda a: holder.kind is HolderKind.AGENCY and holder.id == a,
    )


def check_holder(principal: Principal, holder: Holder) -> None:
    """403 ``outside_area`` unless the caller may give assets to this holder."""
    ensure_in_area(principal, holder_in_area(principal, holder), holder.name)
