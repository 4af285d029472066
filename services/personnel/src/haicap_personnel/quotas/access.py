"""Who may read and change staffing quotas, and which of them a caller sees.

A quota is in the area of its agency: admins, auditors and service accounts read all;
province, commune and agency officers their area; admins and those officers write within it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from haicap_shared.areas import check_record_area, records_in_area
from haicap_shared.auth import Principal, RecordsRead, RecordsWrite

from .models import StaffingQuota, quota_table

__all__ = ["RecordsRead", "RecordsWrite", "check_quota", "quotas_visible"]


def quotas_visible(principal: Principal) -> ColumnElement[bool]:
    """The quotas in the caller's area, as a condition on ``staffing_quota``."""
    return records_in_area(principal, quota_table)


def check_quota(principal: Principal, quota: StaffingQuota) -> None:
    """403 ``outside_area`` unless the quota's agency is in the caller's area."""
    check_record_area(principal, quota, "This quota")
