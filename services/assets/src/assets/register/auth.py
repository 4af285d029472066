"""Who may read and change assets, and where.

| role | reads | writes |
| --- | --- | --- |
| admin | all | all |
| province_officer | assets standing in or held in their province | the same; approves or rejects dispositions; hand-overs |
| commune_officer | assets held by their commune (or its agencies) or standing in it | the same |
| agency_officer | assets held by their agency | the same |
| auditor, service | all | nothing |
| viewer | nothing (reports only) | nothing |

The competent authority that approves a disposition is the province (UBND tỉnh, acting
through its officers) or an admin; car norms are national, so only admins set them.
A holder written (a new allocation, a hand-over's target, a disposition's receiver) must
also be in the caller's area: 403 ``outside_area`` otherwise, and nothing is written.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import ColumnElement, Table, false, or_, true

from haicap_shared.auth import OutsideArea, Principal, require
from haicap_shared.roles import Role

from ..holders import Holder
from .models import HolderKind, asset_table

READERS = (Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER, Role.AUDITOR, Role.SERVICE)
WRITERS = (Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER)

AssetsRead = Annotated[Principal, Depends(require(*READERS))]
AssetsWrite = Annotated[Principal, Depends(require(*WRITERS, writes=True))]
ProvinceWrite = Annotated[Principal, Depends(require(Role.ADMIN, Role.PROVINCE_OFFICER, writes=True))]
AdminWrite = Annotated[Principal, Depends(require(Role.ADMIN, writes=True))]


def _everywhere(principal: Principal) -> bool:
    return principal.everywhere or principal.role is Role.ADMIN


def _agency_id(principal: Principal) -> uuid.UUID | None:
    try:
        return uuid.UUID(principal.area.agency) if principal.area.agency else None
    except ValueError:
        return None


def visible(principal: Principal, table: Table = asset_table) -> ColumnElement[bool]:
    """The rows of ``asset`` (or of ``allocation``, by its holder) in the caller's area."""
    c = table.c
    if _everywhere(principal):
        return true()
    located = "province_code" in c
    if principal.role is Role.PROVINCE_OFFICER and principal.area.province:
        held = c.holder_province_code == principal.area.province
        return or_(held, c.province_code == principal.area.province) if located else held
    if principal.role is Role.COMMUNE_OFFICER and principal.area.commune:
        held = c.holder_commune_code == principal.area.commune
        return or_(held, c.commune_code == principal.area.commune) if located else held
    agency_id = _agency_id(principal)
    if principal.role is Role.AGENCY_OFFICER and agency_id is not None:
        return (c.holder_kind == HolderKind.AGENCY) & (c.holder_id == agency_id)
    return false()


def asset_in_area(principal: Principal, asset: Any) -> bool:
    """Whether one asset (any object with the asset's columns) is in the caller's area."""
    if _everywhere(principal):
        return True
    area = principal.area
    if principal.role is Role.PROVINCE_OFFICER:
        return area.province is not None and area.province in (asset.province_code, asset.holder_province_code)
    if principal.role is Role.COMMUNE_OFFICER:
        return area.commune is not None and area.commune in (asset.commune_code, asset.holder_commune_code)
    agency_id = _agency_id(principal)
    if principal.role is Role.AGENCY_OFFICER and agency_id is not None:
        return bool(asset.holder_kind is HolderKind.AGENCY and asset.holder_id == agency_id)
    return False


def check_asset(principal: Principal, asset: Any) -> None:
    """403 ``outside_area`` unless the asset is in the caller's area."""
    if not asset_in_area(principal, asset):
        raise OutsideArea(f"Asset {asset.code} is outside your area ({principal.area.as_claim() or 'none'})")


def holder_in_area(principal: Principal, holder: Holder) -> bool:
    if _everywhere(principal):
        return True
    area = principal.area
    if principal.role is Role.PROVINCE_OFFICER:
        return area.province is not None and holder.province_code == area.province
    if principal.role is Role.COMMUNE_OFFICER:
        return area.commune is not None and holder.commune_code == area.commune
    agency_id = _agency_id(principal)
    if principal.role is Role.AGENCY_OFFICER and agency_id is not None:
        return holder.kind is HolderKind.AGENCY and holder.id == agency_id
    return False


def check_holder(principal: Principal, holder: Holder) -> None:
    """403 ``outside_area`` unless the caller may give assets to this holder."""
    if not holder_in_area(principal, holder):
        raise OutsideArea(f"{holder.name} is outside your area ({principal.area.as_claim() or 'none'})")


def check_province(principal: Principal, province_code: str) -> None:
    """For writes that concern a whole province (hand-overs, approvals)."""
    if _everywhere(principal):
        return
    if principal.area.province != province_code:
        raise OutsideArea(f"This concerns province {province_code}; your area is {principal.area.as_claim() or 'none'}")
