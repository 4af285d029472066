"""Who may read and change the procedure catalogue, and where.

| role | reads | writes |
| --- | --- | --- |
| admin | all | the catalogue, any task's links |
| province_officer | all the catalogue; what their province's communes handle | the catalogue; their province's tasks' links |
| commune_officer, agency_officer | all the catalogue; what their area's agencies handle | their tasks' links |
| auditor, service | all | nothing |
| viewer | nothing (reports only) | nothing |

The catalogue is reference data, read like units (every official role but ``viewer``) and
written like them by a province's officers and admins. What a commune handles is read through
its agencies, in the caller's area (``agencies.access``). A task's links are a write on the task
(``tasks.access``).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from haicap_shared.auth import Principal, ProvinceWrite, check_province

from ..agencies.access import visible_agencies
from ..tasks.access import TasksWrite, check_owner
from ..units.access import UnitsRead

ProceduresRead = UnitsRead
ProceduresWrite = ProvinceWrite
TaskLinksWrite = TasksWrite

__all__ = ["ProceduresRead", "ProceduresWrite", "TaskLinksWrite", "check_owner", "check_province", "handling_agencies"]


def handling_agencies(principal: Principal) -> ColumnElement[bool]:
    """Condition on ``agency``: the agencies whose tasks' procedures the caller may count."""
    return visible_agencies(principal)
