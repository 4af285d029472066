"""Who may read and change placements, and which of them a caller sees.

A placement is in the area of its position's agency: admins, auditors and service accounts
read all; province, commune and agency officers their area; admins and those officers write
within it. Placing a person also needs the person's record and the position in the caller's
area (``people.access``, ``positions.access``).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from haicap_shared.areas import check_record_area, records_in_area
from haicap_shared.auth import Principal, RecordsRead, RecordsWrite

from .models import Placement, placement_table

__all__ = ["RecordsRead", "RecordsWrite", "check_placement", "placements_visible"]


def placements_visible(principal: Principal) -> ColumnElement[bool]:
    """The placements in the caller's area, as a condition on ``placement``."""
    return records_in_area(principal, placement_table)


def check_placement(principal: Principal, placement: Placement) -> None:
    """403 ``outside_area`` unless the placement's agency is in the caller's area."""
    check_record_area(principal, placement, "This placement")
