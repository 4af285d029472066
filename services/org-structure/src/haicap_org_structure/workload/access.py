"""Who sees which workload rows: the readers of tasks (``tasks.access``), within their area.

A province officer sees every commune and agency of their province; a commune officer their
commune's row and agencies; an agency officer their agency and those under it; admins, auditors
and service accounts (reporting) everything.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false

from haicap_shared.areas import area_condition
from haicap_shared.auth import Principal

from ..agencies.access import visible_agencies
from ..tasks.access import TasksRead
from ..units.models import unit_table

WorkloadRead = TasksRead

__all__ = ["WorkloadRead", "visible_agencies", "visible_communes"]


def visible_communes(principal: Principal) -> ColumnElement[bool]:
    """Condition on ``administrative_unit`` (communes): the communes the caller sees."""
    c = unit_table.c
    # NOTE: an agency officer's area is an agency, not a commune: no commune row is theirs.
    return area_condition(principal, province=[c.province_code], commune=[c.code], agency=lambda _: false())
