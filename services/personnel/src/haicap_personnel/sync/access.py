"""Who verifies dossier changes, who reads them, the exchange log and the calendar.

A change lies in the area of the person's managing agency when it arose. Province officers
(their province) and admins verify or send back; commune and agency officers, auditors and
service accounts read their area's changes; the exchange log and the queue are for admins and
auditors; the calendar is read by every officer and set by admins.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy import ColumnElement

from haicap_shared.areas import check_record_area, records_in_area
from haicap_shared.auth import AdminWrite, Principal, ProvinceWrite, RecordsRead, require
from haicap_shared.roles import Role

from .models import DossierChange, dossier_change_table

__all__ = ["AdminWrite", "ExchangeRead", "ProvinceWrite", "RecordsRead", "changes_visible", "check_change"]

ExchangeRead = Annotated[Principal, Depends(require(Role.ADMIN, Role.AUDITOR))]
"""The exchange log and the queue: admins and auditors."""


def changes_visible(principal: Principal) -> ColumnElement[bool]:
    """The changes in the caller's area, as a condition on ``dossier_change``."""
    return records_in_area(principal, dossier_change_table)


def check_change(principal: Principal, change: DossierChange) -> None:
    """403 ``outside_area`` unless the change is in the caller's area."""
    check_record_area(principal, change, "This dossier change")
