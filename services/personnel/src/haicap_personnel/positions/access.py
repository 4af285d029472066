"""Who may read and change job positions, and which of them a caller sees.

A position is in the area of its agency. Reading and drafting follow the personnel record
rules (admins, auditors and service accounts read all; province, commune and agency officers
their area; admins and those officers write within it). Who takes each approval step is the
approval table's (``approval.py``).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from haicap_shared.areas import check_record_area, record_in_area, records_in_area
from haicap_shared.auth import Principal, RecordsRead, RecordsWrite

from .models import JobPosition, position_table

__all__ = ["RecordsRead", "RecordsWrite", "check_position", "position_in_area", "positions_visible"]


def positions_visible(principal: Principal) -> ColumnElement[bool]:
    """The positions in the caller's area, as a condition on ``job_position``."""
    return records_in_area(principal, position_table)


def position_in_area(principal: Principal, position: JobPosition) -> bool:
    return record_in_area(principal, position)


def check_position(principal: Principal, position: JobPosition) -> None:
    """403 ``outside_area`` unless the position's agency is in the caller's area."""
    check_record_area(principal, position, f"The position {position.title}")
