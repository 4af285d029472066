"""Who may read and change procedure dossiers, and which of them a caller sees.

A dossier is in the area of its own facts (province, commune, handling agency), as the service's
other records: admins, auditors and service accounts read all; province, commune and agency
officers their area; admins and those officers open and move dossiers within it; viewers
nothing. The exchange log, which spans every area, is for admins and auditors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement

from ..areas import ensure_in_area, in_area, records_in_area
from ..auth import Principal
from .tables import ProcedureTables


def dossiers_visible(principal: Principal, tables: ProcedureTables) -> ColumnElement[bool]:
    """The dossiers in the caller's area, as a condition on ``procedure_dossier``."""
    return records_in_area(principal, tables.dossier)


def check_dossier(principal: Principal, facts: Mapping[Any, Any]) -> None:
    """403 ``outside_area`` unless the dossier (``province_code``, ``commune_code``, ``agency_id``) is in the caller's area."""
    inside = in_area(
        principal,
        provinces=[facts["province_code"]],
        communes=[facts["commune_code"]],
        agency=lambda agency_id: bool(facts["agency_id"] == agency_id),
    )
    ensure_in_area(principal, inside, "This procedure dossier")
