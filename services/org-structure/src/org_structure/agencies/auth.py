"""Who may read and change agencies, decisions and the tasks they own, and where.

| role | reads | writes |
| --- | --- | --- |
| admin | all | all |
| province_officer | agencies of their province | the same |
| commune_officer | their commune's agencies | the same |
| agency_officer | their agency and those under it | the same |
| auditor, service | all | nothing |
| viewer | nothing (reports only) | nothing |

The area is applied in the queries (:func:`visible_agencies`) and on every record read or
written by id (:func:`check_agency`): outside the area is 403 ``outside_area``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import ColumnElement, false, or_, true

from haicap_shared.auth import OutsideArea, Principal, require
from haicap_shared.roles import Role

from .models import agency_table

READERS = (Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER, Role.AUDITOR, Role.SERVICE)
WRITERS = (Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER)

OrgRead = Annotated[Principal, Depends(require(*READERS))]
OrgWrite = Annotated[Principal, Depends(require(*WRITERS, writes=True))]
ProvinceWrite = Annotated[Principal, Depends(require(Role.ADMIN, Role.PROVINCE_OFFICER, writes=True))]


def _agency_id(principal: Principal) -> uuid.UUID | None:
    try:
        return uuid.UUID(principal.area.agency) if principal.area.agency else None
    except ValueError:
        return None


def visible_agencies(principal: Principal) -> ColumnElement[bool]:
    """The agencies in the caller's area, as a condition on ``agency``."""
    c = agency_table.c
    if principal.everywhere or principal.role is Role.ADMIN:
        return true()
    if principal.role is Role.PROVINCE_OFFICER and principal.area.province:
        return c.province_code == principal.area.province
    if principal.role is Role.COMMUNE_OFFICER and principal.area.commune:
        return c.commune_code == principal.area.commune
    agency_id = _agency_id(principal)
    if principal.role is Role.AGENCY_OFFICER and agency_id is not None:
        return or_(c.id == agency_id, c.parent_id == agency_id)
    return false()


def in_area(principal: Principal, agency: Any) -> bool:
    """Whether one agency (any object with the agency's columns) is in the caller's area."""
    if principal.everywhere or principal.role is Role.ADMIN:
        return True
    if principal.role is Role.PROVINCE_OFFICER:
        return principal.area.province is not None and agency.province_code == principal.area.province
    if principal.role is Role.COMMUNE_OFFICER:
        return principal.area.commune is not None and agency.commune_code == principal.area.commune
    agency_id = _agency_id(principal)
    if principal.role is Role.AGENCY_OFFICER and agency_id is not None:
        return bool(agency.id == agency_id or agency.parent_id == agency_id)
    return False


def check_agency(principal: Principal, agency: Any) -> None:
    """403 ``outside_area`` unless the agency is in the caller's area."""
    if not in_area(principal, agency):
        raise OutsideArea(f"{agency.name} is outside your area ({principal.area.as_claim() or 'none'})")
