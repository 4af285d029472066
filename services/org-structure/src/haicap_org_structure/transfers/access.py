"""Which transfers a caller sees, and who may transfer a task.

A transfer is a change of a task's owner: the roles and row checks are the catalogue's
(``tasks.access``: the agencies given up and taken on must both be in the caller's area). A list
of transfers shows those from or to an agency in the caller's area (a province officer: their
province's).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, true

from haicap_shared.auth import Principal
from haicap_shared.roles import Role

from ..agencies.access import visible_agencies
from ..tasks.access import TasksRead, TasksWrite, check_agency, everywhere, in_area
from . import repository
from .models import transfer_table

TransfersRead = TasksRead
TransfersWrite = TasksWrite

__all__ = ["TransfersRead", "TransfersWrite", "check_agency", "in_area", "visible_transfers"]


def visible_transfers(principal: Principal) -> ColumnElement[bool]:
    """Condition on ``task_transfer``: transfers from or to an agency in the caller's area."""
    if everywhere(principal):
        return true()
    if principal.role is Role.PROVINCE_OFFICER:
        return transfer_table.c.province_code == principal.area.province
    return repository.from_or_to_agencies(visible_agencies(principal))
