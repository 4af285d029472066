"""Who may read and change people's records, and which of them a caller sees.

A person is in the area of the agency managing their record (the agency of their newest open
primary placement): admins, auditors and service accounts read everyone; province, commune
and agency officers the people of their province's, commune's or own agency; viewers nobody.
Writes: admins and those officers, within their area. Revealing a national id is decided in
``haicap_shared.personal_data``. A person's family members are read and written by the same
roles, for the people of their area: the check is the person's.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from haicap_shared.areas import check_record_area, record_in_area, records_in_area
from haicap_shared.auth import Principal, RecordsRead, RecordsWrite

from .models import Person, person_table

__all__ = ["RecordsRead", "RecordsWrite", "check_person", "people_visible", "person_in_area"]


def people_visible(principal: Principal) -> ColumnElement[bool]:
    """The people in the caller's area, as a condition on ``person``."""
    return records_in_area(principal, person_table)


def person_in_area(principal: Principal, person: Person) -> bool:
    return record_in_area(principal, person)


def check_person(principal: Principal, person: Person) -> None:
    """403 ``outside_area`` unless the person's record is in the caller's area."""
    check_record_area(principal, person, "This person's record")
