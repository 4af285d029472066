"""Which tasks a caller sees and may change.

Tasks follow their owners (``agencies.access``): the roles that read and write agencies read and
write tasks; admins, auditors and service accounts see all; a province officer every task of
their province (those left without an owner included); a commune or agency officer the tasks
whose owners are in their area. Lists and statistics on a date use the lead owner on that date;
a single task is readable by anyone who can see one of its owners, past or present, so a former
owner can follow where its task went. Writes need the owners involved in the caller's area.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, true

from haicap_shared.auth import OutsideArea, Principal, check_province
from haicap_shared.roles import Role

from ..agencies.access import OrgRead, OrgWrite, check_agency, in_area, visible_agencies
from . import repository
from .models import task_table

# NOTE: the same roles as for agencies: a task is read and written by whoever may act for its owner.
TasksRead = OrgRead
TasksWrite = OrgWrite

__all__ = [
    "TasksRead",
    "TasksWrite",
    "check_agency",
    "check_owner",
    "check_province",
    "everywhere",
    "in_area",
    "lead_agency_visible",
    "visible_tasks",
]


def everywhere(principal: Principal) -> bool:
    """Whether the caller's area is the whole country."""
    return principal.everywhere or principal.role is Role.ADMIN


def lead_agency_visible(principal: Principal) -> ColumnElement[bool]:
    """Condition on a select of tasks joined to their lead owner's ``agency`` row."""
    if everywhere(principal):
        return true()
    if principal.role is Role.PROVINCE_OFFICER:
        return task_table.c.province_code == principal.area.province
    return visible_agencies(principal)


def visible_tasks(principal: Principal) -> ColumnElement[bool]:
    """Condition on ``task``: tasks the caller may read, whoever owns them on which date."""
    if everywhere(principal):
        return true()
    if principal.role is Role.PROVINCE_OFFICER:
        return task_table.c.province_code == principal.area.province
    return repository.held_by_agencies(visible_agencies(principal))


def check_owner(principal: Principal, agency: Any | None, province_code: str) -> None:
    """403 unless the caller may act for this owner; a task without one is the province's."""
    if agency is not None:
        check_agency(principal, agency)
        return
    if principal.role not in (Role.ADMIN, Role.PROVINCE_OFFICER):
        raise OutsideArea("The task has no owner now; only its province's officers may change it")
    check_province(principal, province_code)
