"""Who may read and change agencies, decisions and the tasks they own, and where.

| role | reads | writes |
| --- | --- | --- |
| admin | all | all |
| province_officer | agencies of their province | the same |
| commune_officer | their commune's agencies | the same |
| agency_officer | their agency and those under it | the same |
| auditor, service | all | nothing |
| viewer | nothing (reports only) | nothing |

The area is a condition of the lists' queries (:func:`visible_agencies`, which the services
pass to the repositories) and a check of every record read or written by id
(:func:`check_agency`): outside the area is 403 ``outside_area``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_

from haicap_shared import areas
from haicap_shared.areas import area_condition, ensure_in_area
from haicap_shared.auth import Principal, ProvinceWrite, RecordsRead, RecordsWrite

from .models import agency_table

# NOTE: agencies, decisions and tasks are read and written like every service's records.
OrgRead = RecordsRead
OrgWrite = RecordsWrite

__all__ = ["OrgRead", "OrgWrite", "ProvinceWrite", "check_agency", "in_area", "visible_agencies"]


def visible_agencies(principal: Principal) -> ColumnElement[bool]:
    """The agencies in the caller's area, as a condition on ``agency``."""
    c = agency_table.c
    return area_condition(
        principal, province=[c.province_code], commune=[c.commune_code], agency=lambda a: or_(c.id == a, c.parent_id == a)
    )


def in_area(principal: Principal, agency: Any) -> bool:
    """Whether one agency (any object with the agency's columns) is in the caller's area."""
    return areas.in_area(
        principal,
        provinces=[agency.province_code],
        communes=[agency.commune_code],
        agency=lambda a: bool(agency.id == a or agency.parent_id == a),
    )


def check_agency(principal: Principal, agency: Any) -> None:
    """403 ``outside_area`` unless the agency is in the caller's area."""
    ensure_in_area(principal, in_area(principal, agency), agency.name)
