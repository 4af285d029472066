"""Who may read and change personnel records, and where.

Every personnel record (a person, a position, a quota, a placement, a streamlining case, a
training record) is in the area of its agency, whose province, commune and level are kept on
the row when it is written (fetched from org-structure; personnel never reads its tables).

| role | reads | writes |
| --- | --- | --- |
| admin | all | all |
| province_officer | records of their province's agencies | the same |
| commune_officer | records of their commune's agencies | the same |
| agency_officer | records of their agency | the same |
| auditor, service | all | nothing |
| viewer | nothing (reports only) | nothing |

Outside the area is 403 ``outside_area``, as in org-structure; lists are filtered in SQL.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import ColumnElement, Table, false, true

from haicap_shared.auth import OutsideArea, Principal, require
from haicap_shared.roles import Role

READERS = (Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER, Role.AUDITOR, Role.SERVICE)
WRITERS = (Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER)

PersonnelRead = Annotated[Principal, Depends(require(*READERS))]
PersonnelWrite = Annotated[Principal, Depends(require(*WRITERS, writes=True))]
ProvinceWrite = Annotated[Principal, Depends(require(Role.ADMIN, Role.PROVINCE_OFFICER, writes=True))]


def _agency_id(principal: Principal) -> uuid.UUID | None:
    try:
        return uuid.UUID(principal.area.agency) if principal.area.agency else None
    except ValueError:
        return None


def everywhere(principal: Principal) -> bool:
    return principal.everywhere or principal.role is Role.ADMIN


def visible(principal: Principal, table: Table) -> ColumnElement[bool]:
    """The rows of ``table`` (with ``province_code``, ``commune_code``, ``agency_id``) in the caller's area."""
    c = table.c
    if everywhere(principal):
        return true()
    if principal.role is Role.PROVINCE_OFFICER and principal.area.province:
        return c.province_code == principal.area.province
    if principal.role is Role.COMMUNE_OFFICER and principal.area.commune:
        return c.commune_code == principal.area.commune
    agency_id = _agency_id(principal)
    if principal.role is Role.AGENCY_OFFICER and agency_id is not None:
        return c.agency_id == agency_id
    return false()


def in_area(principal: Principal, row: Any) -> bool:
    """Whether a record (anything with ``province_code``, ``commune_code``, ``agency_id``) is in the caller's area."""
    if everywhere(principal):
        return True
    if principal.role is Role.PROVINCE_OFFICER:
        return principal.area.province is not None and row.province_code == principal.area.province
    if principal.role is Role.COMMUNE_OFFICER:
        return principal.area.commune is not None and row.commune_code == principal.area.commune
    agency_id = _agency_id(principal)
    if principal.role is Role.AGENCY_OFFICER and agency_id is not None:
        return bool(row.agency_id == agency_id)
    return False


def check_area(principal: Principal, row: Any, what: str) -> None:
    """403 ``outside_area`` unless the record is in the caller's area."""
    if not in_area(principal, row):
        raise OutsideArea(f"{what} is outside your area ({principal.area.as_claim() or 'none'})")
