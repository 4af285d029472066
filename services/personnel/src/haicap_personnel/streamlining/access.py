"""Who may read and change streamlining cases, and which of them a caller sees.

A case is in the area of the agency of the person's record when it was proposed: admins,
auditors and service accounts read all; province, commune and agency officers their area;
admins and those officers propose and change cases within it. Who takes each step of a case
(approve, pay, withdraw) is the steps table's (``steps.py``). The calculator, which records
nothing, is open to every reader.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from haicap_shared.areas import check_record_area, records_in_area
from haicap_shared.auth import Principal, RecordsRead, RecordsWrite

from .models import StreamliningCase, case_table

__all__ = ["RecordsRead", "RecordsWrite", "cases_visible", "check_case"]


def cases_visible(principal: Principal) -> ColumnElement[bool]:
    """The cases in the caller's area, as a condition on ``streamlining_case``."""
    return records_in_area(principal, case_table)


def check_case(principal: Principal, case: StreamliningCase) -> None:
    """403 ``outside_area`` unless the case is in the caller's area."""
    check_record_area(principal, case, "This case")
