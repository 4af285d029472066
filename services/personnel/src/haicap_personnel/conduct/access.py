"""Who may read and record evaluations, commendations and discipline, and which of them a caller sees.

Each record is in the area of the agency of the person's record when it was written: admins,
auditors and service accounts read all; province, commune and agency officers their area;
admins and those officers record and change them for the people of their area. Viewers read
none (a person's evaluations and discipline are their dossier's).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from haicap_shared.areas import check_record_area, records_in_area
from haicap_shared.auth import Principal, RecordsRead, RecordsWrite

from .models import commendation_table, discipline_table, evaluation_table

__all__ = [
    "RecordsRead",
    "RecordsWrite",
    "check_conduct",
    "commendations_visible",
    "disciplines_visible",
    "evaluations_visible",
]


def evaluations_visible(principal: Principal) -> ColumnElement[bool]:
    """The evaluations in the caller's area, as a condition on ``evaluation``."""
    return records_in_area(principal, evaluation_table)


def commendations_visible(principal: Principal) -> ColumnElement[bool]:
    """The commendations in the caller's area, as a condition on ``commendation``."""
    return records_in_area(principal, commendation_table)


def disciplines_visible(principal: Principal) -> ColumnElement[bool]:
    """The disciplines in the caller's area, as a condition on ``discipline``."""
    return records_in_area(principal, discipline_table)


def check_conduct(principal: Principal, record: Any, what: str) -> None:
    """403 ``outside_area`` unless the record (an evaluation, commendation or discipline) is in the caller's area."""
    check_record_area(principal, record, what)
