"""Who sees which findings: the tasks a caller may read (``tasks.access``), by the same roles.

A finding is about a task, so it shows to whoever may read the task: a commune or agency
officer sees the findings of the tasks any of their agencies has held, past or present.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from haicap_shared.auth import Principal

from ..tasks.access import TasksRead, visible_tasks

FindingsRead = TasksRead

__all__ = ["FindingsRead", "visible_findings"]


def visible_findings(principal: Principal) -> ColumnElement[bool]:
    """Condition on ``task``: the tasks whose findings the caller sees."""
    return visible_tasks(principal)
