"""Who may read and record the feasibility of tasks, and who answers the proposals.

| role | reads | records statuses, corrects them | answers proposals |
| --- | --- | --- | --- |
| admin | all | any agency's | any |
| province_officer | their province's | their province's agencies' | their province's |
| commune_officer | their commune's agencies' | their commune's agencies' | no (403 `role_not_allowed`) |
| agency_officer | their agency's and those under it | the same | no |
| auditor, service | all | nothing | nothing |
| viewer | nothing (reports only) | nothing | nothing |

A status is about a task held by an agency, so it is read and written like the agency's tasks
(``tasks.access``): the reporting agency must be in the caller's area (403 ``outside_area``).
Proposals go to the province, so only its officers (and admins) answer them.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, true

from haicap_shared.auth import OutsideArea, Principal, ProvinceWrite, check_province
from haicap_shared.roles import Role

from ..agencies.access import check_agency, visible_agencies
from ..tasks.access import TasksRead, TasksWrite, everywhere
from .models import feasibility_table

FeasibilityRead = TasksRead
FeasibilityWrite = TasksWrite
FeasibilityAnswerWrite = ProvinceWrite

__all__ = [
    "FeasibilityAnswerWrite",
    "FeasibilityRead",
    "FeasibilityWrite",
    "check_agency",
    "check_commune",
    "check_province",
    "visible_statuses",
]


def visible_statuses(principal: Principal) -> ColumnElement[bool]:
    """Condition on ``task_feasibility`` joined to its ``agency``: the statuses the caller may read."""
    if everywhere(principal):
        return true()
    if principal.role is Role.PROVINCE_OFFICER:
        return feasibility_table.c.province_code == principal.area.province
    return visible_agencies(principal)


def check_commune(principal: Principal, commune_code: str | None) -> None:
    """403 when a commune officer asks about another commune."""
    if commune_code is None or principal.role is not Role.COMMUNE_OFFICER:
        return
    if principal.area.commune != commune_code:
        raise OutsideArea(f"Commune {commune_code} is not in your area ({principal.area.as_claim() or 'none'})")
