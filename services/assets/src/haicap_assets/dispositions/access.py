"""Who may propose, submit, decide and carry out disposition plans, and which plans a caller sees.

A plan is seen by those who see its asset, and proposed, submitted or carried out by those who
may act for the asset's current holder (the register's rules). The competent authority that
approves or rejects a plan is the province (UBND tỉnh, acting through its officers) or an admin.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from haicap_shared.auth import Principal, ProvinceWrite, RecordsRead, RecordsWrite, check_province

from ..register import access as register_access
from .models import Disposition

__all__ = ["ProvinceWrite", "RecordsRead", "RecordsWrite", "check_decider", "visible"]


def visible(principal: Principal) -> ColumnElement[bool]:
    """The SQL condition of the plans whose asset is in the caller's area (the list joins the asset)."""
    return register_access.visible(principal)


def check_decider(principal: Principal, disposition: Disposition) -> None:
    """403 ``outside_area`` unless the caller decides for the plan's province."""
    check_province(principal, disposition.province_code)
