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

from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import ColumnElement, Table

from haicap_shared import areas
from haicap_shared.areas import area_condition, ensure_in_area
from haicap_shared.auth import Principal, require
from haicap_shared.roles import Role

READERS = (Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER, Role.AUDITOR, Role.SERVICE)
WRITERS = (Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER)

RecordsRead = Annotated[Principal, Depends(require(*READERS))]
RecordsWrite = Annotated[Principal, Depends(require(*WRITERS, writes=True))]
ProvinceWrite = Annotated[Principal, Depends(require(Role.ADMIN, Role.PROVINCE_OFFICER, writes=True))]


def visible(principal: Principal, table: Table) -> ColumnElement[bool]:
    """The rows of ``table`` (with ``province_code``, ``commune_code``, ``agency_id``) in the caller's area."""
    c = table.c
    return area_condition(principal, province=[c.province_code], commune=[c.commune_code], agency=lambda a: c.agency_id == a)


def in_area(principal: Principal, row: Any) -> bool:
    """Whether a record (anything with ``province_code``, ``commune_code``, ``agency_id``) is in the caller's area."""
    return areas.in_area(
        principal, provinces=[row.province_code], communes=[row.commune_code], agency=lambda a: bool(row.agency_id == a)
    )


def check_area(principal: Principal, row: Any, what: str) -> None:
    """403 ``outside_area`` unless the record is in the caller's area."""
    ensure_in_area(principal, in_area(principal, row), what)
