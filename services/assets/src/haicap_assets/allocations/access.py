"""Who may allocate assets and hand them over, and which allocations a caller sees.

Any writer of assets allocates one (its current holder and the new holder in the caller's area,
by the register's rules); a hand-over moves every asset of former units at once, so only
province officers and admins order one. An allocation is seen when its holder is in the
caller's area, or (one by one, as in the asset's history) when its asset is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from haicap_shared.areas import ensure_in_area
from haicap_shared.auth import Principal, ProvinceWrite, RecordsRead, RecordsWrite

from ..register import access as register_access
from .models import Allocation, allocation_table

__all__ = ["ProvinceWrite", "RecordsRead", "RecordsWrite", "check_allocation", "visible"]


def visible(principal: Principal) -> ColumnElement[bool]:
    """The SQL condition of the allocations whose holder is in the caller's area."""
    return register_access.visible(principal, allocation_table)


def check_allocation(principal: Principal, allocation: Allocation, asset: Any) -> None:
    """403 ``outside_area`` unless the allocation's holder or its asset is in the caller's area."""
    inside = register_access.current_holder_in_area(principal, allocation) or register_access.asset_in_area(principal, asset)
    ensure_in_area(principal, inside, "This allocation")
