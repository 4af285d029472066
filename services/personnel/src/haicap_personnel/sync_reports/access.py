"""Who reads the national sync's reports and reconciliations, and which records a caller sees.

A dossier change lies in the area of the person's managing agency when it arose (its
``province_code``, ``commune_code``, ``agency_id``); a reconciliation in its uploader's area.
Admins, auditors and service accounts read all; province officers their province; commune and
agency officers their area; viewers (and staff) nothing. Admins and the officers reconcile an
export for their area.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from haicap_shared.areas import check_record_area, records_in_area
from haicap_shared.auth import Principal, RecordsRead, RecordsWrite
from haicap_shared.personal_data import MAY_REVEAL

from ..people.access import people_visible
from ..sync.models import dossier_change_table
from .models import SyncReconciliation, reconciliation_table

__all__ = [
    "RecordsRead",
    "RecordsWrite",
    "changes_visible",
    "check_reconciliation",
    "may_see_national_ids",
    "people_visible",
    "reconciliations_visible",
]


def changes_visible(principal: Principal) -> ColumnElement[bool]:
    """The dossier changes in the caller's area, as a condition on ``dossier_change``."""
    return records_in_area(principal, dossier_change_table)


def reconciliations_visible(principal: Principal) -> ColumnElement[bool]:
    """The reconciliations made in the caller's area, as a condition on ``sync_reconciliation``."""
    return records_in_area(principal, reconciliation_table)


def check_reconciliation(principal: Principal, reconciliation: SyncReconciliation) -> None:
    """403 ``outside_area`` unless the reconciliation was made in the caller's area."""
    check_record_area(principal, reconciliation, "This reconciliation")


def may_see_national_ids(principal: Principal) -> bool:
    """Whether the caller's role may ask for national ids unmasked (``reveal=true``)."""
    return principal.role in MAY_REVEAL
