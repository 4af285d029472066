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

from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import ColumnElement, Table

from haicap_shared import areas
from haicap_shared.areas import area_condition, ensure_in_area
from haicap_shared.auth import Principal, require
from haicap_shared.roles import Role

from ..holders import Holder
from .models import HolderKind, asset_table

READERS = (Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER, Role.AUDITOR, Role.SERVICE)
WRITERS = (Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER)

AssetsRead = Annotated[Principal, Depends(require(*READERS))]
AssetsWrite = Annotated[Principal, Depends(require(*WRITERS, writes=True))]
ProvinceWrite = Annotated[Principal, Depends(require(Role.ADMIN, Role.PROVINCE_OFFICER, writes=True))]
AdminWrite = Annotated[Principal, Depends(require(Role.ADMIN, writes=True))]


def visible(principal: Principal, table: Table = asset_table) -> ColumnElement[bool]:
    """The rows of ``asset`` (by holder or location) or of ``allocation`` (by holder) in the caller's area."""
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
